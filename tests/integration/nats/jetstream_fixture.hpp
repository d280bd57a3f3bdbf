#pragma once
// Shared by the JetStream tests: a connection to the test's nats-server, the request stream as
// the platform declares it, and a bounded way to run coroutines on a test io_context.
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <doctest/doctest.h>

#include "core/asio.hpp"
#include "core/nats/jet_stream.hpp"
#include "tests/support/nats_server.hpp"

namespace faas::test {

inline nats::StreamSpec request_stream() {
    nats::StreamSpec spec;
    spec.name = "faas-request";
    spec.subjects = {"faas-request.>"};
    return spec;  // WorkQueue, file storage, 2 min duplicate window
}

inline nats::ConsumerSpec request_consumer(std::chrono::milliseconds ack_wait) {
    nats::ConsumerSpec spec;
    spec.stream = "faas-request";
    spec.durable = "worker";
    spec.filter_subject = "faas-request.>";
    spec.ack_wait = ack_wait;
    return spec;
}

// Connects to `server` and declares the request stream; fails the test when either fails.
inline std::unique_ptr<nats::JetStream> connect_stream(
    const NatsServer& server,
    std::chrono::milliseconds publish_timeout = std::chrono::milliseconds(5000),
    std::size_t max_pending_publishes = 65536) {
    nats::ConnectOptions options;
    options.max_pending_publishes = max_pending_publishes;
    options.urls = {server.url()};
    options.name = "faas-test";
    options.publish_timeout = publish_timeout;
    auto js = nats::JetStream::connect(options);
    REQUIRE_MESSAGE(js.ok(), (js.ok() ? std::string() : js.error().what()));
    auto ensured = (*js)->ensure_stream(request_stream());
    REQUIRE_MESSAGE(ensured.ok(), (ensured.ok() ? std::string() : ensured.error().what()));
    return std::move(js).value();
}

namespace detail {

// Asio 1.74's co_spawn needs a default-constructible result (it makes one on an exception);
// Result<T> is not, so run_for carries the value in an optional.
template <class T>
awaitable<std::optional<T>> into_optional(awaitable<T> task) {
    T value = co_await std::move(task);
    co_return std::optional<T>(std::move(value));
}

}  // namespace detail

// Runs `task` on `io` until it finished; fails the test (instead of hanging) after `bound`.
template <class T>
T run_for(asio::io_context& io,
          awaitable<T> task,
          std::chrono::seconds bound = std::chrono::seconds(60)) {
    auto spawn = [&] {
        if constexpr (std::is_void_v<T>) {
            return asio::co_spawn(io, std::move(task), asio::use_future);
        } else {
            return asio::co_spawn(io, detail::into_optional(std::move(task)), asio::use_future);
        }
    };
    auto done = spawn();
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(50));
    }
    REQUIRE_MESSAGE(done.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                    "coroutine did not finish in time");
    if constexpr (std::is_void_v<T>) {
        done.get();
    } else {
        return std::move(*done.get());
    }
}

}  // namespace faas::test
