#pragma once
// Synchronous HTTP on core's ClientPool for callers without an event loop of their own (the
// `faas` CLI, tests): an io_context that runs only inside each call, on the calling thread.
// One SyncClient per thread; it keeps its connections alive between calls.
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"

namespace faas::http {

// No bound: run_for() waits for the awaitable however long it takes.
inline constexpr std::chrono::nanoseconds kUnbounded = std::chrono::nanoseconds::max();

// Runs the awaitable that `make()` returns on `io` (which must not be running elsewhere) until
// it completes or `bound` passes. Returns nullopt when the bound passed first; an exception
// thrown by the coroutine is rethrown here. The state is shared with the coroutine, so a late
// completion after a missed bound writes to live memory.
template <class MakeAwaitable>
auto run_for(asio::io_context& io, MakeAwaitable make, std::chrono::nanoseconds bound)
    -> std::optional<typename decltype(make())::value_type> {
    using T = typename decltype(make())::value_type;
    struct State {
        std::optional<T> value;
        std::exception_ptr error;
        bool done = false;
    };
    auto state = std::make_shared<State>();
    asio::co_spawn(
        io,
        [state, make = std::move(make)]() mutable -> awaitable<void> {
            try {
                state->value.emplace(co_await make());
            } catch (...) {
                state->error = std::current_exception();
            }
            state->done = true;
        },
        asio::detached);
    const bool bounded = bound != kUnbounded;
    const auto deadline = bounded ? std::chrono::steady_clock::now() + bound
                                  : std::chrono::steady_clock::time_point::max();
    io.restart();
    while (!state->done && (!bounded || std::chrono::steady_clock::now() < deadline)) {
        if (bounded) {
            io.run_one_until(deadline);
        } else {
            io.run_one();
        }
        if (io.stopped()) {
            io.restart();
        }
    }
    if (state->error) {
        std::rethrow_exception(state->error);
    }
    if (!state->done) {
        return std::nullopt;
    }
    return std::move(state->value);
}

class SyncClient {
public:
    explicit SyncClient(ClientOptions options = {});
    ~SyncClient();
    SyncClient(const SyncClient&) = delete;
    SyncClient& operator=(const SyncClient&) = delete;

    // Sends `req` and reads the whole response. Errors as ClientPool::request reports them;
    // a call that does not finish within options.timeout plus a little slack is errc::timeout.
    Result<Response> call(const Endpoint& endpoint, Request req, const CallOptions& options = {});
    // As call(), but nullopt when the call did not finish within `bound` (a client bug: the call
    // has its own timeout). Tests turn that into a failure.
    std::optional<Result<Response>> call_within(const Endpoint& endpoint,
                                                Request req,
                                                const CallOptions& options,
                                                std::chrono::nanoseconds bound);
    // Sends `req` and passes a 2xx response body to `sink` as it arrives (ClientPool::stream).
    Result<Response> stream(const Endpoint& endpoint,
                            Request req,
                            const StreamOptions& options,
                            BodySink sink);

    // Runs any awaitable on this client's io_context (see run_for).
    template <class MakeAwaitable>
    auto run(MakeAwaitable make, std::chrono::nanoseconds bound = kUnbounded) {
        return run_for(io_, std::move(make), bound);
    }

    std::size_t idle_connections() const { return pool_.idle_connections(); }
    asio::io_context& context() { return io_; }
    ClientPool& pool() { return pool_; }

private:
    asio::io_context io_;
    ClientPool pool_;
};

}  // namespace faas::http
