// JetStream publishing against the real nats-server: many publishes in flight from coroutines,
// start_publish's order and late waits, duplicate suppression by Nats-Msg-Id, clear failures,
// and a server restart mid-run.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/integration/nats/jetstream_fixture.hpp"

using faas::errc;
using faas::Result;
using faas::nats::Headers;
using faas::nats::PubAck;
using faas::test::connect_stream;
using faas::test::NatsServer;
using faas::test::request_consumer;
using faas::test::run_for;

namespace {

struct Outcome {
    std::string body;
    std::optional<Result<PubAck>> result;
    bool resumed_on_io_thread = false;
};

// Publishes one message and records what came back and on which thread it resumed.
faas::awaitable<void> publish_one(faas::nats::JetStream& js,
                                  std::string subject,
                                  Headers headers,
                                  std::string body,
                                  std::thread::id io_thread,
                                  Outcome& out) {
    out.body = body;
    auto publishing = js.publish(std::move(subject), std::move(headers), std::move(body));
    auto result = co_await std::move(publishing);
    out.resumed_on_io_thread = std::this_thread::get_id() == io_thread;
    out.result.emplace(std::move(result));
}

// Fetches until a fetch comes back empty; acks everything; returns the bodies in order.
faas::awaitable<std::vector<std::string>> drain(faas::nats::Consumer& consumer) {
    std::vector<std::string> bodies;
    for (;;) {
        auto batch = co_await consumer.fetch(256, std::chrono::milliseconds(1500));
        if (!batch.ok()) {
            FAIL_CHECK(batch.error().what());
            co_return bodies;
        }
        if (batch->empty()) {
            co_return bodies;
        }
        for (auto& m : *batch) {
            bodies.push_back(m.data());
            CHECK(m.ack().ok());
        }
    }
}

// Runs `io` until every outcome has a result or `bound` passed.
bool run_until_done(asio::io_context& io,
                    const std::vector<Outcome>& outcomes,
                    std::chrono::seconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    auto all_done = [&] {
        for (const auto& o : outcomes) {
            if (!o.result) {
                return false;
            }
        }
        return true;
    };
    io.restart();
    while (!all_done() && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(50));
    }
    return all_done();
}

// Waits for each pending publish in turn; the results in the same order.
faas::awaitable<std::vector<Result<PubAck>>> wait_all(std::vector<faas::nats::PendingPublish>& ps) {
    std::vector<Result<PubAck>> out;
    for (auto& p : ps) {
        auto waiting = p.wait();
        Result<PubAck> acked = co_await std::move(waiting);
        out.push_back(std::move(acked));
    }
    co_return out;
}

}  // namespace

TEST_SUITE_BEGIN("nats.publish");

TEST_CASE(
    "jetstream: 1,000 concurrent publishes are all acked with distinct sequences and "
    "fetched exactly once") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    const auto io_thread = std::this_thread::get_id();
    constexpr std::size_t kCount = 1000;
    std::vector<Outcome> outcomes(kCount);
    for (std::size_t i = 0; i < kCount; ++i) {
        asio::co_spawn(io,
                       publish_one(*js, "faas-request.default", {}, "call-" + std::to_string(i),
                                   io_thread, outcomes[i]),
                       asio::detached);
    }
    // Runs after all 1,000 publishers started (the io_context runs handlers in order): a
    // one-at-a-time publisher would have at most one waiting for its ack here.
    std::size_t in_flight = 0;
    asio::post(io, [&] { in_flight = js->pending_publishes(); });
    REQUIRE(run_until_done(io, outcomes, std::chrono::seconds(60)));

    std::set<std::uint64_t> sequences;
    std::size_t on_io_thread = 0;
    for (const auto& o : outcomes) {
        REQUIRE_MESSAGE(o.result->ok(), o.result->error().what());
        CHECK_FALSE(o.result->value().duplicate);
        CHECK(o.result->value().stream == "faas-request");
        sequences.insert(o.result->value().sequence);
        on_io_thread += o.resumed_on_io_thread ? 1 : 0;
    }
    CHECK(sequences.size() == kCount);
    CHECK(on_io_thread == kCount);
    CHECK(js->pending_publishes() == 0);
    MESSAGE("in flight at once: " << in_flight);
    CHECK(in_flight > 1);

    auto consumer = js->consumer(request_consumer(std::chrono::milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    auto bodies = run_for(io, drain(**consumer));
    CHECK(bodies.size() == kCount);
    const std::set<std::string> distinct(bodies.begin(), bodies.end());
    CHECK(distinct.size() == kCount);
    CHECK(distinct.count("call-0") == 1);
    CHECK(distinct.count("call-999") == 1);
}

TEST_CASE(
    "jetstream: start_publish stores messages in the order it was called, and a wait begun "
    "after the ack came returns at once") {
    NatsServer server;
    auto js = connect_stream(server, std::chrono::milliseconds(4000));
    asio::io_context io;
    constexpr int kCount = 50;
    std::vector<faas::nats::PendingPublish> pending;
    for (int i = 0; i < kCount; ++i) {
        pending.push_back(js->start_publish(io.get_executor(), "faas-request.default", {},
                                            "m-" + std::to_string(i)));
    }
    // Every ack arrives (and its handler runs on `io`) before anyone waits.
    const auto acked_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (js->pending_publishes() > 0 && std::chrono::steady_clock::now() < acked_by) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(js->pending_publishes() == 0);
    io.restart();
    io.poll();
    const auto start = std::chrono::steady_clock::now();
    auto results = run_for(io, wait_all(pending));
    // Well under publish_timeout (4 s): nobody waited for a cancel that had already happened.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
    REQUIRE(results.size() == static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
        REQUIRE_MESSAGE(results[i].ok(), results[i].error().what());
        if (i > 0) {
            CHECK(results[i]->sequence == results[i - 1]->sequence + 1);
        }
    }
    auto consumer = js->consumer(request_consumer(std::chrono::milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    auto bodies = run_for(io, drain(**consumer));
    REQUIRE(bodies.size() == static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
        CHECK(bodies[i] == "m-" + std::to_string(i));
    }
}

TEST_CASE("jetstream: the same Nats-Msg-Id twice is acked as a duplicate and stored once") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    const auto io_thread = std::this_thread::get_id();
    std::vector<Outcome> outcomes(3);
    const Headers key_a{{"Nats-Msg-Id", "key-a"}, {"X-Call-Id", "1"}};
    const Headers key_b{{"Nats-Msg-Id", "key-b"}};
    // One after another, so the first is stored before the retry arrives.
    run_for(io, publish_one(*js, "faas-request.default", key_a, "first", io_thread, outcomes[0]));
    run_for(io, publish_one(*js, "faas-request.default", key_a, "retry", io_thread, outcomes[1]));
    run_for(io, publish_one(*js, "faas-request.default", key_b, "other", io_thread, outcomes[2]));
    for (const auto& o : outcomes) {
        REQUIRE_MESSAGE(o.result->ok(), o.result->error().what());
    }
    CHECK_FALSE(outcomes[0].result->value().duplicate);
    CHECK(outcomes[1].result->value().duplicate);
    CHECK(outcomes[1].result->value().sequence == outcomes[0].result->value().sequence);
    CHECK_FALSE(outcomes[2].result->value().duplicate);
    CHECK(outcomes[2].result->value().sequence == outcomes[0].result->value().sequence + 1);

    auto consumer = js->consumer(request_consumer(std::chrono::milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    auto bodies = run_for(io, drain(**consumer));
    CHECK(bodies == std::vector<std::string>{"first", "other"});
}

TEST_CASE("jetstream: a publish to a subject no stream holds fails with unavailable") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    std::vector<Outcome> outcomes(1);
    run_for(io,
            publish_one(*js, "elsewhere.x", {}, "lost", std::this_thread::get_id(), outcomes[0]));
    REQUIRE_FALSE(outcomes[0].result->ok());
    CHECK(outcomes[0].result->error().code == errc::unavailable);
    CHECK(outcomes[0].result->error().what().find("nats publish") != std::string::npos);
}

TEST_CASE("jetstream: a publish that gets no ack fails with timeout after publish_timeout") {
    NatsServer server;
    auto js = connect_stream(server, std::chrono::milliseconds(400));
    server.stop();
    asio::io_context io;
    std::vector<Outcome> outcomes(1);
    const auto start = std::chrono::steady_clock::now();
    run_for(io, publish_one(*js, "faas-request.default", {}, "unacked", std::this_thread::get_id(),
                            outcomes[0]));
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(outcomes[0].result->ok());
    CHECK(outcomes[0].result->error().code == errc::timeout);
    CHECK(waited >= std::chrono::milliseconds(350));
    CHECK(waited < std::chrono::seconds(5));
    CHECK(js->pending_publishes() == 0);
}

TEST_CASE("jetstream: a publish beyond max_pending_publishes fails at once with overloaded") {
    NatsServer server;
    auto js = connect_stream(server, std::chrono::milliseconds(1000), 3);
    server.stop();  // no acks: the first three stay in flight until their timeout
    asio::io_context io;
    const auto io_thread = std::this_thread::get_id();
    std::vector<Outcome> outcomes(4);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        asio::co_spawn(io,
                       publish_one(*js, "faas-request.default", {}, "call-" + std::to_string(i),
                                   io_thread, outcomes[i]),
                       asio::detached);
    }
    io.poll();  // starts all four; only the refused one has its answer without waiting
    REQUIRE(outcomes[3].result.has_value());
    REQUIRE_FALSE(outcomes[3].result->ok());
    CHECK(outcomes[3].result->error().code == errc::overloaded);
    CHECK_FALSE(outcomes[0].result.has_value());
    REQUIRE(run_until_done(io, outcomes, std::chrono::seconds(10)));
    for (std::size_t i = 0; i < 3; ++i) {
        REQUIRE_FALSE(outcomes[i].result->ok());
        CHECK(outcomes[i].result->error().code == errc::timeout);
    }
    CHECK(js->pending_publishes() == 0);
}

TEST_CASE("jetstream: publishes across a nats-server restart complete, and none acked is lost") {
    NatsServer server;
    auto js = connect_stream(server, std::chrono::milliseconds(4000));
    asio::io_context io;
    const auto io_thread_id = std::make_shared<std::thread::id>();
    // 600 publishes, one every 5 ms on an io thread, while this thread restarts the server.
    constexpr std::size_t kCount = 600;
    std::vector<Outcome> outcomes(kCount);
    std::atomic<bool> finished{false};
    auto publisher = [&]() -> faas::awaitable<void> {
        asio::steady_timer pace(co_await asio::this_coro::executor);
        for (std::size_t i = 0; i < kCount; ++i) {
            asio::co_spawn(io,
                           publish_one(*js, "faas-request.default", {}, "call-" + std::to_string(i),
                                       *io_thread_id, outcomes[i]),
                           asio::detached);
            pace.expires_after(std::chrono::milliseconds(5));
            co_await pace.async_wait(faas::use_awaitable);
        }
    };
    asio::co_spawn(io, publisher, asio::detached);
    std::thread io_thread([&] {
        *io_thread_id = std::this_thread::get_id();
        run_until_done(io, outcomes, std::chrono::seconds(60));
        finished = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    server.restart();
    io_thread.join();
    REQUIRE(finished);

    std::set<std::string> acked;
    int failed = 0;
    for (const auto& o : outcomes) {
        REQUIRE(o.result.has_value());
        if (o.result->ok()) {
            acked.insert(o.body);
        } else {
            // A failure is a clear timeout or unavailable, never anything else.
            const auto code = o.result->error().code;
            CHECK_MESSAGE((code == errc::timeout || code == errc::unavailable),
                          o.result->error().what());
            ++failed;
        }
    }
    MESSAGE("acked=" << acked.size() << " failed=" << failed);
    CHECK(acked.size() > kCount / 2);
    CHECK(acked.count("call-" + std::to_string(kCount - 1)) == 1);  // published after restart

    auto consumer = js->consumer(request_consumer(std::chrono::milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    auto bodies = run_for(io, drain(**consumer));
    const std::set<std::string> stored(bodies.begin(), bodies.end());
    for (const auto& body : acked) {
        CHECK_MESSAGE(stored.count(body) == 1, "acknowledged but lost: " << body);
    }
}

TEST_SUITE_END();
