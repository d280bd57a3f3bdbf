// JetStream reads and deletes against the real nats-server: stream and consumer state, messages
// by sequence and by subject (the call-status "last value" read), deletes, the blocking pool
// that runs them for coroutines, and the 8 MB max_payload of the test server.
#include <algorithm>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/openfaas/async.hpp"
#include "tests/integration/nats/jetstream_fixture.hpp"
#include "tests/support/printers.hpp"

using faas::errc;
using faas::Result;
using faas::Status;
using faas::nats::ConsumerState;
using faas::nats::Headers;
using faas::nats::JetStream;
using faas::nats::PubAck;
using faas::nats::StoredMessage;
using faas::nats::StreamState;
using faas::test::connect_stream;
using faas::test::NatsServer;
using faas::test::run_for;
namespace async = faas::openfaas::async;

namespace {

// Publishes one message and fails the test unless the stream acknowledged it.
PubAck publish(asio::io_context& io,
               JetStream& js,
               const std::string& subject,
               std::string body,
               Headers headers = {}) {
    auto acked = run_for(io, js.publish(subject, std::move(headers), std::move(body)));
    REQUIRE_MESSAGE(acked.ok(), (acked.ok() ? std::string() : acked.error().what()));
    return acked.value();
}

// The status stream as the gateway and worker declare it (one message per subject).
void ensure_status_stream(JetStream& js) {
    const auto ensured = js.ensure_stream(async::status_stream_spec(async::StreamSettings{}));
    REQUIRE_MESSAGE(ensured.ok(), (ensured.ok() ? std::string() : ensured.error().what()));
}

std::string error_of(const Status& st) {
    return st.ok() ? std::string("ok") : st.error().what();
}

}  // namespace

TEST_SUITE_BEGIN("nats.read");

TEST_CASE("jetstream: the three async stream specs are accepted, twice, by the server") {
    NatsServer server;
    auto js = connect_stream(server);
    const async::StreamSettings s;
    for (int round = 0; round < 2; ++round) {
        for (const auto& spec : {async::request_stream_spec(s), async::dead_letter_stream_spec(s),
                                 async::status_stream_spec(s)}) {
            const Status st = js->ensure_stream(spec);
            CHECK_MESSAGE(st.ok(), spec.name << ": " << error_of(st));
        }
    }
    auto state = js->stream_state("KV_faas-calls");
    REQUIRE(state.ok());
    CHECK(state->messages == 0);
}

TEST_CASE("jetstream: stream_state counts messages, and per subject with a subjects filter") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    for (int i = 0; i < 3; ++i) {
        publish(io, *js, "faas-request.alpha", "a" + std::to_string(i));
    }
    const PubAck last = publish(io, *js, "faas-request.beta", "b");

    auto plain = js->stream_state("faas-request");
    REQUIRE_MESSAGE(plain.ok(), plain.error().what());
    CHECK(plain->messages == 4);
    CHECK(plain->bytes > 0);
    CHECK(plain->first_sequence == 1);
    CHECK(plain->last_sequence == last.sequence);
    CHECK(plain->consumers == 0);
    CHECK(plain->subjects.empty());

    auto filtered = js->stream_state("faas-request", "faas-request.>");
    REQUIRE_MESSAGE(filtered.ok(), filtered.error().what());
    using Count = std::pair<std::string, std::uint64_t>;
    CHECK(filtered->subjects ==
          std::vector<Count>{{"faas-request.alpha", 3}, {"faas-request.beta", 1}});

    auto one = js->stream_state("faas-request", "faas-request.beta");
    REQUIRE(one.ok());
    CHECK(one->subjects == std::vector<Count>{{"faas-request.beta", 1}});

    auto missing = js->stream_state("no-such-stream");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == errc::not_found);
}

TEST_CASE(
    "jetstream: last_message on a one-per-subject stream returns the third of three publishes") {
    NatsServer server;
    auto js = connect_stream(server);
    ensure_status_stream(*js);
    asio::io_context io;
    const async::StreamSettings s;
    const std::string subject = async::status_subject(s, "call.1");
    publish(io, *js, subject, "queued");
    publish(io, *js, subject, "running");
    const PubAck third = publish(io, *js, subject, "succeeded", {{"X-Call-Id", "call.1"}});
    publish(io, *js, async::status_subject(s, "call-2"), "queued");

    auto last = js->last_message("KV_faas-calls", subject);
    REQUIRE_MESSAGE(last.ok(), last.error().what());
    REQUIRE(last->has_value());
    const StoredMessage& m = **last;
    CHECK(m.data == "succeeded");
    CHECK(m.subject == subject);
    CHECK(m.sequence == third.sequence);
    CHECK(faas::nats::find_header(m.headers, "X-Call-Id") == "call.1");
    const auto age = std::chrono::system_clock::now() - m.time;
    CHECK(age >= std::chrono::seconds(-5));
    CHECK(age < std::chrono::seconds(60));

    // One message per subject: the two older records are gone.
    auto state = js->stream_state("KV_faas-calls");
    REQUIRE(state.ok());
    CHECK(state->messages == 2);

    auto none = js->last_message("KV_faas-calls", async::status_subject(s, "never-queued"));
    REQUIRE_MESSAGE(none.ok(), none.error().what());
    CHECK_FALSE(none->has_value());

    auto no_stream = js->last_message("no-such-stream", subject);
    REQUIRE_FALSE(no_stream.ok());
    CHECK(no_stream.error().code == errc::not_found);
}

TEST_CASE("jetstream: get_message and delete_message by sequence") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    const PubAck first = publish(io, *js, "faas-request.default", "one", {{"X-Call-Id", "c1"}});
    const PubAck second = publish(io, *js, "faas-request.default", "two");

    auto got = js->get_message("faas-request", first.sequence);
    REQUIRE_MESSAGE(got.ok(), got.error().what());
    REQUIRE(got->has_value());
    CHECK((*got)->data == "one");
    CHECK((*got)->sequence == first.sequence);
    CHECK((*got)->subject == "faas-request.default");
    CHECK(faas::nats::find_header((*got)->headers, "X-Call-Id") == "c1");

    const Status deleted = js->delete_message("faas-request", first.sequence);
    CHECK_MESSAGE(deleted.ok(), error_of(deleted));
    auto gone = js->get_message("faas-request", first.sequence);
    REQUIRE_MESSAGE(gone.ok(), gone.error().what());
    CHECK_FALSE(gone->has_value());
    auto never = js->get_message("faas-request", second.sequence + 100);
    REQUIRE_MESSAGE(never.ok(), never.error().what());
    CHECK_FALSE(never->has_value());

    const Status again = js->delete_message("faas-request", first.sequence);
    REQUIRE_FALSE(again.ok());
    CHECK_MESSAGE(again.error().code == errc::not_found, again.error().what());
    const Status past_last = js->delete_message("faas-request", second.sequence + 100);
    REQUIRE_FALSE(past_last.ok());
    CHECK_MESSAGE(past_last.error().code == errc::not_found, past_last.error().what());

    auto state = js->stream_state("faas-request");
    REQUIRE(state.ok());
    CHECK(state->messages == 1);
    auto kept = js->get_message("faas-request", second.sequence);
    REQUIRE(kept.ok());
    REQUIRE(kept->has_value());
    CHECK((*kept)->data == "two");

    auto no_stream = js->get_message("no-such-stream", 1);
    REQUIRE_FALSE(no_stream.ok());
    CHECK(no_stream.error().code == errc::not_found);
    const Status no_stream_delete = js->delete_message("no-such-stream", 1);
    REQUIRE_FALSE(no_stream_delete.ok());
    CHECK(no_stream_delete.error().code == errc::not_found);
}

TEST_CASE(
    "jetstream: ensure_consumer creates a missing durable and leaves an existing one as it is") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    faas::nats::ConsumerSpec spec;
    spec.stream = "faas-request";
    spec.durable = "faas-request-calls_alpha";
    spec.filter_subject = "faas-request.alpha.*";
    spec.max_ack_pending = 1000;

    const Status made = js->ensure_consumer(spec);
    REQUIRE_MESSAGE(made.ok(), made.error().what());
    auto state = js->consumer_state("faas-request", spec.durable);
    REQUIRE_MESSAGE(state.ok(), state.error().what());
    CHECK(state->filter_subject == "faas-request.alpha.*");
    CHECK(state->max_ack_pending == 1000);  // as asked
    // Again with the same configuration: still one consumer.
    CHECK(js->ensure_consumer(spec).ok());

    // A worker binds with its own settings; a later ensure does not undo them.
    faas::nats::ConsumerSpec worker = spec;
    worker.max_ack_pending = 8;
    worker.ack_wait = std::chrono::seconds(5);
    auto bound = js->consumer(worker);
    REQUIRE_MESSAGE(bound.ok(), bound.error().what());
    const Status again = js->ensure_consumer(spec);
    REQUIRE_MESSAGE(again.ok(), again.error().what());
    state = js->consumer_state("faas-request", spec.durable);
    REQUIRE(state.ok());
    CHECK(state->max_ack_pending == 8);
    CHECK(js->stream_state("faas-request")->consumers == 1);

    // It reads the queue's calls.
    publish(io, *js, "faas-request.alpha.c1", "one");
    auto fetched = run_for(io, (*bound)->fetch(1, std::chrono::milliseconds(2000)));
    REQUIRE_MESSAGE(fetched.ok(), fetched.error().what());
    REQUIRE(fetched->size() == 1);
    CHECK(fetched->front().subject() == "faas-request.alpha.c1");

    faas::nats::ConsumerSpec no_stream = spec;
    no_stream.stream = "no-such-stream";
    CHECK_FALSE(js->ensure_consumer(no_stream).ok());
}

TEST_CASE(
    "jetstream: consumers lists each durable with its counters, and consumer_state reads one") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;

    auto none = js->consumers("faas-request");
    REQUIRE_MESSAGE(none.ok(), none.error().what());
    CHECK(none->empty());

    for (int i = 0; i < 3; ++i) {
        publish(io, *js, "faas-request.alpha", "a" + std::to_string(i));
    }
    faas::nats::ConsumerSpec alpha;
    alpha.stream = "faas-request";
    alpha.durable = "faas-request_alpha";
    alpha.filter_subject = "faas-request.alpha";
    faas::nats::ConsumerSpec beta = alpha;
    beta.durable = "faas-request_beta";
    beta.filter_subject = "faas-request.beta";
    auto alpha_consumer = js->consumer(alpha);
    REQUIRE_MESSAGE(alpha_consumer.ok(), alpha_consumer.error().what());
    auto beta_consumer = js->consumer(beta);
    REQUIRE_MESSAGE(beta_consumer.ok(), beta_consumer.error().what());

    // One message delivered and held (not acked).
    auto fetched = run_for(io, (*alpha_consumer)->fetch(1, std::chrono::milliseconds(2000)));
    REQUIRE_MESSAGE(fetched.ok(), fetched.error().what());
    REQUIRE(fetched->size() == 1);

    auto all = js->consumers("faas-request");
    REQUIRE_MESSAGE(all.ok(), all.error().what());
    REQUIRE(all->size() == 2);
    std::vector<ConsumerState> sorted = *all;
    std::sort(sorted.begin(), sorted.end(),
              [](const ConsumerState& a, const ConsumerState& b) { return a.name < b.name; });
    CHECK(sorted[0].name == "faas-request_alpha");
    CHECK(sorted[0].filter_subject == "faas-request.alpha");
    CHECK(sorted[0].pending == 2);
    CHECK(sorted[0].ack_pending == 1);
    CHECK(sorted[1].name == "faas-request_beta");
    CHECK(sorted[1].filter_subject == "faas-request.beta");
    CHECK(sorted[1].pending == 0);
    CHECK(sorted[1].ack_pending == 0);

    auto one = js->consumer_state("faas-request", "faas-request_alpha");
    REQUIRE_MESSAGE(one.ok(), one.error().what());
    CHECK(one->pending == 2);
    CHECK(one->ack_pending == 1);
    CHECK(js->stream_state("faas-request")->consumers == 2);

    auto missing = js->consumer_state("faas-request", "nobody");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == errc::not_found);
    auto no_stream = js->consumer_state("no-such-stream", "faas-request_alpha");
    REQUIRE_FALSE(no_stream.ok());
    CHECK(no_stream.error().code == errc::not_found);
    auto no_stream_list = js->consumers("no-such-stream");
    REQUIRE_FALSE(no_stream_list.ok());
    CHECK(no_stream_list.error().code == errc::not_found);

    fetched = std::vector<faas::nats::Message>{};  // messages before their consumer
}

TEST_CASE("jetstream: blocking() runs on the pool and resumes on the caller's io thread") {
    NatsServer server;
    auto js = connect_stream(server);
    asio::io_context io;
    publish(io, *js, "faas-request.default", "x");

    struct Seen {
        std::thread::id job;
        std::thread::id resumed;
        std::uint64_t messages = 0;
    };
    constexpr int kReads = 8;
    std::vector<Seen> seen(kReads);
    int finished = 0;
    auto read_state = [](JetStream& stream, Seen& out, int& done) -> faas::awaitable<void> {
        std::function<Result<StreamState>()> job = [&stream, &out] {
            out.job = std::this_thread::get_id();
            return stream.stream_state("faas-request");
        };
        auto reading = stream.blocking(std::move(job));
        Result<StreamState> state = co_await std::move(reading);
        out.resumed = std::this_thread::get_id();
        out.messages = state.ok() ? state->messages : 0;
        ++done;
    };
    for (auto& s : seen) {
        asio::co_spawn(io, read_state(*js, s, finished), asio::detached);
    }
    const auto io_thread = std::this_thread::get_id();
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (finished < kReads && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(50));
    }
    REQUIRE(finished == kReads);
    for (const auto& s : seen) {
        CHECK(s.job != io_thread);
        CHECK(s.resumed == io_thread);
        CHECK(s.messages == 1);
    }
    // A plain value type works too.
    std::function<int()> answer = [] { return 42; };
    CHECK(run_for(io, js->blocking(std::move(answer))) == 42);
    js.reset();  // after every coroutine finished: the pool joins cleanly
}

TEST_CASE("jetstream: a 2 MiB message is accepted (the test server allows 8 MB payloads)") {
    NatsServer server;
    auto js = connect_stream(server);
    // The server announces its max_payload (the gateway sizes its body limit by it).
    CHECK(js->max_payload() == std::int64_t{8} * 1024 * 1024);
    asio::io_context io;
    std::string body(std::size_t{2} * 1024 * 1024, 'x');
    body.front() = '<';
    body.back() = '>';
    const PubAck ack = publish(io, *js, "faas-request.default", body);
    auto got = js->get_message("faas-request", ack.sequence);
    REQUIRE_MESSAGE(got.ok(), got.error().what());
    REQUIRE(got->has_value());
    CHECK((*got)->data.size() == body.size());
    CHECK((*got)->data == body);
}

TEST_SUITE_END();
