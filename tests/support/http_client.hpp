#pragma once
// Synchronous HTTP for tests, on core's ClientPool: the test thread runs its own io_context
// until the call finishes or a deadline passes (then the test fails instead of hanging).
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/http/sync_client.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

// Runs the awaitable that `make()` returns on `io` (which must not be running elsewhere) until
// it completes; throws std::runtime_error when `bound` passes first (core's run_for with the
// test bound).
template <class MakeAwaitable>
auto run_sync(asio::io_context& io, MakeAwaitable make, std::chrono::nanoseconds bound = kMaxWait) {
    auto r = http::run_for(io, std::move(make), bound);
    if (!r) {
        throw std::runtime_error("operation did not finish within the test bound");
    }
    return std::move(*r);
}

// As run_sync, for an awaitable<void>.
template <class MakeAwaitable>
void run_sync_void(asio::io_context& io,
                   MakeAwaitable make,
                   std::chrono::nanoseconds bound = kMaxWait) {
    (void)run_sync(
        io,
        [make = std::move(make)]() mutable -> awaitable<bool> {
            co_await make();
            co_return true;
        },
        bound);
}

// One keep-alive client to 127.0.0.1 (core's http::SyncClient); a call that misses the test
// bound throws.
class SyncClient {
public:
    SyncClient();
    ~SyncClient();
    SyncClient(const SyncClient&) = delete;
    SyncClient& operator=(const SyncClient&) = delete;

    // Sends `req` to 127.0.0.1:port. Errors are returned as core reports them (connect_failed,
    // timeout, upstream_failed); only a missed test bound throws.
    Result<http::Response> call(std::uint16_t port,
                                http::Request req,
                                std::chrono::nanoseconds timeout = kMaxWait);
    Result<http::Response> get(std::uint16_t port,
                               std::string target,
                               std::chrono::nanoseconds timeout = kMaxWait);
    Result<http::Response> post(std::uint16_t port,
                                std::string target,
                                std::string body,
                                http::Headers headers = {},
                                std::chrono::nanoseconds timeout = kMaxWait);

    std::size_t idle_connections() const { return client_.idle_connections(); }
    asio::io_context& context() { return client_.context(); }
    http::ClientPool& pool() { return client_.pool(); }

private:
    http::SyncClient client_;
};

// One-off calls on a fresh client (a new connection each time).
Result<http::Response> http_call(std::uint16_t port,
                                 http::Request req,
                                 std::chrono::nanoseconds timeout = kMaxWait);
Result<http::Response> http_get(std::uint16_t port,
                                std::string target,
                                std::chrono::nanoseconds timeout = kMaxWait);
Result<http::Response> http_post(std::uint16_t port,
                                 std::string target,
                                 std::string body,
                                 http::Headers headers = {},
                                 std::chrono::nanoseconds timeout = kMaxWait);

// The status of a GET, or 0 when the call failed (refused, timed out).
int status_of_get(std::uint16_t port,
                  std::string target,
                  std::chrono::nanoseconds timeout = std::chrono::seconds(2));

}  // namespace faas::test
