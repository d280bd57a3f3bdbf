#pragma once
// CallbackReceiver: what the async tests point X-Callback-Url at. Core's HTTP server on a loopback
// port in the test process; every request is kept (when it arrives) and answered 200, after a
// delay when one is set. Also SeenRequest, a request an in-test server received.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/exchange.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"
#include "tests/support/test_server.hpp"

namespace faas::test {

struct SeenRequest {
    std::string target;
    http::Headers headers;
    std::string body;
    std::chrono::steady_clock::time_point at;
};

// `ex`'s target and headers, `body` (empty when it could not be read), and now.
SeenRequest seen_of(const http::Exchange& ex, const Result<std::string>& body);

class CallbackReceiver {
public:
    CallbackReceiver();
    std::uint16_t port() const noexcept { return server_->port(); }
    std::string url(std::string_view path = "/cb") const;
    // Answers each request this long after it arrived (it is kept at once).
    void set_delay(std::chrono::milliseconds d) { state_->delay_ms = d.count(); }

    std::vector<SeenRequest> received() const;
    std::size_t count() const;
    // The callbacks of one call id.
    std::vector<SeenRequest> for_call(const std::string& call_id) const;
    // Call ids that got a callback with X-Function-Status `status`, and how many each.
    std::map<std::string, int> call_ids_with_status(const std::string& status) const;
    // Waits until every id of `ids` got a callback with X-Function-Status `status`.
    bool wait_all(const std::vector<std::string>& ids,
                  const std::string& status,
                  std::chrono::nanoseconds bound) const;

private:
    // Shared with the server's handler, which may outlive a request in flight at destruction.
    struct State {
        mutable std::mutex mu;
        std::vector<SeenRequest> received;
        std::atomic<std::int64_t> delay_ms{0};
    };
    std::shared_ptr<State> state_;
    std::unique_ptr<TestServer> server_;
};

}  // namespace faas::test
