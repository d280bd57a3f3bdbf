#pragma once
// Api: the gateway's HTTP API as the faas CLI calls it (docs/wire-contract.md §6): /system/* with
// the caller's basic auth, /function/* without it. Coroutines on a ClientPool of the caller's
// io_context, so that `faas up` can deploy while it supervises its children; the plain commands
// run them through http::SyncClient. Higher-level steps shared by `deploy` and `up` live here too.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/http/types.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::cli {

struct GatewayConfig {
    std::string url = "http://127.0.0.1:8080";  // as given, for messages and printed URLs
    http::Endpoint endpoint{"127.0.0.1", 8080};
    std::string prefix;  // path prefix without a trailing '/', usually ""
    std::string username;
    std::string password;
    std::chrono::nanoseconds timeout = std::chrono::seconds(60);
};

// Parses a gateway URL ("http://host:port[/prefix]", trailing '/' ignored).
Result<GatewayConfig> gateway_config(std::string_view url);

// Percent-encodes a query component (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view s);
// "?a=1&b=2" from pairs (empty values kept); "" when there are none.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

// "POST /system/functions: 500 Internal Server Error: <first line of the body>"
Error http_failure(std::string_view what, const http::Response& r);

class Api {
public:
    Api(http::ClientPool& pool, GatewayConfig config);

    const GatewayConfig& config() const { return config_; }

    // A /system/* (or /healthz) call with basic auth when configured; `body` is sent as JSON.
    awaitable<Result<http::Response>> system(std::string method,
                                             std::string target,
                                             std::string body = {});
    // A call to /function/... or /async-function/...: never carries the CLI's credentials.
    awaitable<Result<http::Response>> invoke(std::string method,
                                             std::string target,
                                             http::Headers headers,
                                             std::string body);
    // GET with the body passed to `sink` as it arrives (logs).
    awaitable<Result<http::Response>> stream(std::string target,
                                             http::BodySink sink,
                                             std::chrono::nanoseconds idle_timeout);

private:
    http::Request make(std::string method, const std::string& target, bool auth) const;

    http::ClientPool& pool_;
    GatewayConfig config_;
};

enum class DeployMode {
    Update,   // PUT, then POST when the function does not exist (faas-cli's default)
    Create,   // POST only (--update=false)
    Replace,  // DELETE (a 404 is fine), then POST (--replace)
};

struct DeployOutcome {
    int status = 0;
    bool created = false;  // POSTed rather than updated
};

awaitable<Result<DeployOutcome>> deploy_function(Api& api,
                                                 openfaas::FunctionDeployment d,
                                                 DeployMode mode);

// GET /system/function/<name>[?namespace=]; errc::not_found for a 404.
awaitable<Result<openfaas::FunctionStatus>> function_status(Api& api,
                                                            std::string name,
                                                            std::string ns);

// Polls the function's status until availableReplicas >= 1 or `timeout` passes (errc::timeout).
// `progress` is called after each poll with the status (or nullopt while it is not listed).
using ReadyProgress = std::function<void(const std::optional<openfaas::FunctionStatus>&)>;
awaitable<Status> wait_ready(Api& api,
                             std::string name,
                             std::string ns,
                             std::chrono::nanoseconds timeout,
                             ReadyProgress progress);

// Polls GET /healthz until it answers 200 or `timeout` passes.
awaitable<Status> wait_healthy(Api& api, std::chrono::nanoseconds timeout);

}  // namespace faas::cli
