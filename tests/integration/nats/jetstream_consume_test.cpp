// JetStream consuming against the real nats-server: a durable pull consumer's fetch, and what
// ack, nak with delay, in-progress and term do to redelivery (WorkQueue retention).
#include <algorithm>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/integration/nats/jetstream_fixture.hpp"

using faas::test::connect_stream;
using faas::test::NatsServer;
using faas::test::request_consumer;
using faas::test::run_for;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Publishes `body` (with a header) and returns whether the stream acknowledged it.
faas::awaitable<bool> put(faas::nats::JetStream& js, std::string body) {
    faas::nats::Headers headers{{"X-Call-Id", "call-" + body}};
    auto publishing = js.publish("faas-request.default", std::move(headers), std::move(body));
    auto acked = co_await std::move(publishing);
    if (!acked.ok()) {
        FAIL_CHECK(acked.error().what());
    }
    co_return acked.ok();
}

// One fetch of at most `batch`; a failed fetch fails the check and returns nothing.
faas::awaitable<std::vector<faas::nats::Message>> fetch(faas::nats::Consumer& consumer,
                                                        int batch,
                                                        milliseconds timeout) {
    auto fetching = consumer.fetch(batch, timeout);
    auto fetched = co_await std::move(fetching);
    if (!fetched.ok()) {
        FAIL_CHECK(fetched.error().what());
        co_return std::vector<faas::nats::Message>{};
    }
    co_return std::move(fetched).value();
}

faas::awaitable<void> sleep_for(milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(faas::use_awaitable);
}

}  // namespace

TEST_SUITE_BEGIN("nats.consume");

TEST_CASE("jetstream: fetch on an empty stream returns nothing after its timeout, not an error") {
    NatsServer server;
    auto js = connect_stream(server);
    auto consumer = js->consumer(request_consumer(milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    const auto start = Clock::now();
    auto got = run_for(io, fetch(**consumer, 10, milliseconds(300)));
    const auto waited = Clock::now() - start;
    CHECK(got.empty());
    CHECK(waited >= milliseconds(250));
    CHECK(waited < milliseconds(3000));
}

TEST_CASE(
    "jetstream: a fetched message carries subject, headers, body and delivery metadata, "
    "and ack removes it") {
    NatsServer server;
    auto js = connect_stream(server);
    auto consumer = js->consumer(request_consumer(milliseconds(500)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    REQUIRE(run_for(io, put(*js, "one")));
    REQUIRE(run_for(io, put(*js, "two")));

    auto got = run_for(io, fetch(**consumer, 10, milliseconds(2000)));
    REQUIRE(got.size() == 2);
    CHECK(got[0].subject() == "faas-request.default");
    CHECK(got[0].data() == "one");
    CHECK(got[0].header("X-Call-Id") == std::optional<std::string_view>("call-one"));
    CHECK_FALSE(got[0].header("X-Missing").has_value());
    CHECK(got[0].num_delivered() == 1);
    CHECK(got[1].stream_sequence() == got[0].stream_sequence() + 1);
    CHECK(got[0].ack().ok());
    // "two" is not acked: after ack_wait (500 ms) it comes again, "one" never does.
    auto again = run_for(io, fetch(**consumer, 10, milliseconds(3000)));
    REQUIRE(again.size() == 1);
    CHECK(again[0].data() == "two");
    CHECK(again[0].num_delivered() == 2);
    CHECK(again[0].ack().ok());
    auto none = run_for(io, fetch(**consumer, 10, milliseconds(1200)));
    CHECK(none.empty());
}

TEST_CASE("jetstream: nak with a delay redelivers after the delay, and term stops redelivery") {
    NatsServer server;
    auto js = connect_stream(server);
    // A long ack_wait: any redelivery seen here comes from the nak, not from ack_wait.
    auto consumer = js->consumer(request_consumer(milliseconds(30000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    REQUIRE(run_for(io, put(*js, "retry-me")));

    auto first = run_for(io, fetch(**consumer, 1, milliseconds(2000)));
    REQUIRE(first.size() == 1);
    CHECK(first[0].num_delivered() == 1);
    const auto nak_at = Clock::now();
    CHECK(first[0].nak(milliseconds(700)).ok());
    // A fetch that times out meanwhile must leave no pull request behind that would swallow
    // the redelivery.
    auto early = run_for(io, fetch(**consumer, 1, milliseconds(200)));
    CHECK(early.empty());

    auto second = run_for(io, fetch(**consumer, 1, milliseconds(5000)));
    REQUIRE(second.size() == 1);
    CHECK(Clock::now() - nak_at >= milliseconds(600));
    CHECK(second[0].data() == "retry-me");
    CHECK(second[0].num_delivered() == 2);
    CHECK(second[0].term().ok());

    // Terminated: not redelivered, not even after a nak-free ack_wait would have passed for a
    // fresh consumer of the same stream.
    auto after_term = run_for(io, fetch(**consumer, 1, milliseconds(1500)));
    CHECK(after_term.empty());
}

TEST_CASE("jetstream: in_progress keeps a message past ack_wait without redelivery") {
    NatsServer server;
    auto js = connect_stream(server);
    auto consumer = js->consumer(request_consumer(milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    REQUIRE(run_for(io, put(*js, "long-call")));

    auto got = run_for(io, fetch(**consumer, 1, milliseconds(2000)));
    REQUIRE(got.size() == 1);
    const auto start = Clock::now();
    // 2.5 s of work, twice ack_wait, with a heartbeat every 400 ms: no redelivery meanwhile.
    while (Clock::now() - start < milliseconds(2500)) {
        CHECK(got[0].in_progress().ok());
        auto redelivered = run_for(io, fetch(**consumer, 1, milliseconds(400)));
        CHECK(redelivered.empty());
    }
    CHECK(got[0].ack().ok());
    auto none = run_for(io, fetch(**consumer, 1, milliseconds(1500)));
    CHECK(none.empty());
}

TEST_CASE("jetstream: without in_progress the same message is redelivered after ack_wait") {
    NatsServer server;
    auto js = connect_stream(server);
    auto consumer = js->consumer(request_consumer(milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    REQUIRE(run_for(io, put(*js, "slow-call")));
    auto got = run_for(io, fetch(**consumer, 1, milliseconds(2000)));
    REQUIRE(got.size() == 1);
    run_for(io, sleep_for(milliseconds(1300)));
    auto redelivered = run_for(io, fetch(**consumer, 1, milliseconds(2000)));
    REQUIRE(redelivered.size() == 1);
    CHECK(redelivered[0].stream_sequence() == got[0].stream_sequence());
    CHECK(redelivered[0].num_delivered() == 2);
    CHECK(redelivered[0].ack().ok());
}

TEST_CASE("jetstream: a fetch resumes the coroutine on its io thread, not the fetch thread") {
    NatsServer server;
    auto js = connect_stream(server);
    auto consumer = js->consumer(request_consumer(milliseconds(1000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    REQUIRE(run_for(io, put(*js, "x")));
    auto on_caller_thread = [&]() -> faas::awaitable<bool> {
        const auto before = std::this_thread::get_id();
        auto fetching = (*consumer)->fetch(1, milliseconds(2000));
        auto fetched = co_await std::move(fetching);
        const bool same = std::this_thread::get_id() == before;
        if (fetched.ok()) {
            for (auto& m : *fetched) {
                CHECK(m.ack().ok());
            }
        }
        co_return same&& fetched.ok() && fetched->size() == 1;
    };
    CHECK(run_for(io, on_caller_thread()));
}

TEST_CASE("jetstream: ensure_stream and consumer are idempotent and a durable keeps its place") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    REQUIRE(run_for(io, put(*js, "kept")));
    // Declaring the same stream again (a restarted gateway) keeps its messages.
    REQUIRE(js->ensure_stream(faas::test::request_stream()).ok());
    {
        auto first = js->consumer(request_consumer(milliseconds(1000)));
        REQUIRE_MESSAGE(first.ok(), first.error().what());
    }
    // The durable survives its subscription; a second declaration with a new ack_wait updates it.
    auto again = js->consumer(request_consumer(milliseconds(2000)));
    REQUIRE_MESSAGE(again.ok(), again.error().what());
    auto got = run_for(io, fetch(**again, 10, milliseconds(2000)));
    REQUIRE(got.size() == 1);
    CHECK(got[0].data() == "kept");
    CHECK(got[0].ack().ok());
}

TEST_CASE(
    "jetstream: a consumer keeps fetching after nats-server restarts, and nothing stored "
    "is lost") {
    NatsServer server;
    auto js = connect_stream(server);
    auto consumer = js->consumer(request_consumer(milliseconds(2000)));
    REQUIRE_MESSAGE(consumer.ok(), consumer.error().what());
    asio::io_context io;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(run_for(io, put(*js, "stored-" + std::to_string(i))));
    }
    server.restart();
    // While the client reconnects a fetch may fail (unavailable or timeout) or come back empty;
    // it must not hang, and the stored messages must all arrive once it is back.
    auto collect = [&]() -> faas::awaitable<std::vector<std::string>> {
        std::vector<std::string> bodies;
        const auto deadline = Clock::now() + std::chrono::seconds(15);
        while (bodies.size() < 5 && Clock::now() < deadline) {
            auto fetching = (*consumer)->fetch(10, milliseconds(500));
            auto fetched = co_await std::move(fetching);
            if (!fetched.ok()) {
                const auto code = fetched.error().code;
                CHECK_MESSAGE((code == faas::errc::unavailable || code == faas::errc::timeout),
                              fetched.error().what());
                co_await sleep_for(milliseconds(100));
                continue;
            }
            for (auto& m : *fetched) {
                bodies.push_back(m.data());
                CHECK(m.ack().ok());
            }
        }
        co_return bodies;
    };
    auto bodies = run_for(io, collect());
    std::sort(bodies.begin(), bodies.end());
    CHECK(bodies ==
          std::vector<std::string>{"stored-0", "stored-1", "stored-2", "stored-3", "stored-4"});
}

TEST_SUITE_END();
