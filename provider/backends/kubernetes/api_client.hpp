#pragma once
// ApiClient: calls to the Kubernetes REST API on core's ClientPool, with the Authorization value
// of ApiTarget on every request, and the API's error answers (Status objects) turned into
// provider errors (api_error). One per thread: the back end's control thread has one, a log
// stream makes its own on the handler's thread from the same ApiTarget.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/result.hpp"

namespace faas::provider::kubernetes {

// Where the API server is and how to authenticate to it.
struct ApiTarget {
    http::Endpoint endpoint;
    // As configured, for errors and logs.
    std::string url;
    // The Authorization header value now ("Bearer <token>"), or "" to send none. Called per
    // request (a rotated token file is read again).
    std::function<std::string()> authorization;
    // Deadline of one call (not of a watch or a log stream).
    std::chrono::nanoseconds timeout = std::chrono::seconds(30);
};

// An error answer of the API server (`status`, its Status object in `body`) as a provider error:
// 404 not_found, 409 conflict, 422 bad_request naming the wrong fields, 403 internal naming the
// RBAC permission the provider lacks, 401/400/429/503 unavailable naming `url`, others
// upstream_failed. The message says what was done (`what`, "creating Deployment echo").
Error api_error(int status,
                std::string_view body,
                const std::string& what,
                const std::string& url);

class ApiClient {
public:
    ApiClient(asio::any_io_executor ex, ApiTarget target);
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    const ApiTarget& target() const noexcept { return target_; }

    // One call. The answer whatever its status; the server not reachable (or not answering in
    // time) is errc::unavailable naming its URL.
    awaitable<Result<http::Response>> send(const std::string& method,
                                           const std::string& path,
                                           const std::string& body,
                                           const std::string& content_type);
    // One call that must answer 2xx: its body, else api_error(`what`).
    awaitable<Result<std::string>> call(const std::string& method,
                                        const std::string& path,
                                        const std::string& body,
                                        const std::string& what);
    awaitable<Result<std::string>> get(const std::string& path, const std::string& what);

    // Given the object as read now (it carries its resourceVersion), the body to PUT.
    using Edit = std::function<Result<std::string>(std::string_view current)>;
    // Read-modify-write: GET `path`, PUT what `edit` makes of it; when the PUT answers 409
    // Conflict (the object changed in between; the server checks the resourceVersion), again
    // from the GET, up to kReplaceAttempts times. The PUT's answer.
    static constexpr int kReplaceAttempts = 5;
    awaitable<Result<std::string>> replace(const std::string& path,
                                           const Edit& edit,
                                           const std::string& what);

    // GET `path` on a connection of its own, the 2xx body to `sink` as it arrives (a watch, a
    // log follow). A non-2xx answer is api_error(`what`).
    awaitable<Status> stream(const std::string& path,
                             http::StreamOptions options,
                             http::BodySink sink,
                             const std::string& what);

private:
    http::Request request(const std::string& method,
                          const std::string& path,
                          const std::string& body,
                          const std::string& content_type) const;
    Error unreachable(const Error& e) const;

    ApiTarget target_;
    http::ClientPool pool_;
};

}  // namespace faas::provider::kubernetes
