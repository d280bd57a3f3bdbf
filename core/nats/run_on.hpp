#pragma once
// run_on: runs a blocking job on a thread pool and resumes the awaiting coroutine on its own
// executor with the job's result, so io threads never block. Shared by JetStream::blocking() and
// Consumer::fetch(). Private to core/nats.
#include <utility>

#include "core/asio.hpp"

namespace faas::nats::detail {

// `job` is called once on `pool` and must not throw; T is what it returns.
template <class T, class Pool, class Job>
awaitable<T> run_on(Pool pool, Job job) {
    auto initiate = [pool](auto handler, Job j) mutable {
        auto ex = asio::get_associated_executor(handler);
        asio::post(pool, [ex, handler = std::move(handler), j = std::move(j)]() mutable {
            T result = j();
            // Resume the coroutine on its own executor, never on a pool thread.
            asio::post(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
                std::move(handler)(std::move(result));
            });
        });
    };
    T result = co_await asio::async_initiate<decltype(use_awaitable), void(T)>(
        initiate, use_awaitable, std::move(job));
    co_return result;
}

}  // namespace faas::nats::detail
