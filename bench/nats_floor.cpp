// nats_floor: the JetStream floors under the async pipeline, measured with core/nats itself
// (JetStream::publish, Consumer::fetch, Message::ack) on one io_context thread, against a
// nats-server the caller started. The streams are the platform's specs (openfaas::async, default
// settings) under names of their own (bench-floor), so it never touches the
// platform's streams. The message is a queued request as the gateway encodes it
// (openfaas::encode of a QueueRequest with a BODY_BYTES body).
// Prints one "FLOOR what=..." line per measurement (the first two once per INFLIGHT level):
//   async_publish  COUNT publishes on one subject, INFLIGHT awaiting their ack at any time
//   accept_publish the gateway's accept of a call: the request published on its call's own
//                  subject (faas-request.<queue>.<call id>), INFLIGHT at a time; rate =
//                  accepts/s
//   sync_publish   SYNC_COUNT publishes, one at a time
//   fetch_ack      fetch(FETCH_BATCH) + ack of every message the runs above stored, until the
//                  stream is empty on the server (every ack processed, not only sent)
//
// usage: nats_floor -s nats://127.0.0.1:4222 [-n COUNT] [-i INFLIGHT,...] [-b BODY_BYTES]
//                   [-m SYNC_COUNT] [-f FETCH_BATCH]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/asio.hpp"
#include "core/nats/jet_stream.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/queue_request.hpp"
#include "core/openfaas/types.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace nats = faas::nats;

namespace async = faas::openfaas::async;

struct Options {
    std::string url;
    long count = 100000;
    std::vector<long> inflight{64, 256};
    std::size_t body_bytes = 1024;
    long sync_count = 5000;
    int fetch_batch = 100;
    bool send_asap = false;
};

// Ends the process from any thread. std::exit would run static destructors while other threads
// (cnats's among them) may still use them; flush stdio and leave without them.
[[noreturn]] void quit(int code) {
    std::fflush(nullptr);
    std::_Exit(code);
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "nats_floor: %s\nusage: nats_floor -s nats://HOST:PORT [-n COUNT] [-i 64,256] "
                 "[-b BODY_BYTES] [-m SYNC_COUNT] [-f FETCH_BATCH] [-a 0|1 (send asap)]\n",
                 why.c_str());
    quit(2);
}

long positive(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n <= 0) {
        usage("bad " + flag + " " + v + " (a positive integer)");
    }
    return n;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; i += 2) {
        const std::string a = argv[i];
        if (i + 1 >= argc) {
            usage("missing value after " + a);
        }
        const std::string v = argv[i + 1];
        if (a == "-s") {
            o.url = v;
        } else if (a == "-n") {
            o.count = positive(a, v);
        } else if (a == "-i") {
            o.inflight.clear();
            std::size_t pos = 0;
            for (;;) {
                const auto comma = v.find(',', pos);
                o.inflight.push_back(positive(a, v.substr(pos, comma - pos)));
                if (comma == std::string::npos) {
                    break;
                }
                pos = comma + 1;
            }
        } else if (a == "-b") {
            o.body_bytes = static_cast<std::size_t>(positive(a, v));
        } else if (a == "-m") {
            o.sync_count = positive(a, v);
        } else if (a == "-f") {
            o.fetch_batch = static_cast<int>(positive(a, v));
        } else if (a == "-a") {
            o.send_asap = v == "1";
        } else {
            usage("unknown option " + a);
        }
    }
    if (o.url.empty()) {
        usage("-s URL is required");
    }
    return o;
}

[[noreturn]] void fail(const std::string& what, const faas::Error& e) {
    std::fprintf(stderr, "nats_floor: %s: %s\n", what.c_str(), e.what().c_str());
    quit(1);
}

// The request message the gateway would publish for a 1 KB POST to /async-function/echo.
std::string queued_request(std::size_t body_bytes) {
    faas::openfaas::QueueRequest r;
    r.host = "127.0.0.1:8080";
    r.headers = {{"Content-Type", "text/plain"},
                 {"User-Agent", "wrk"},
                 {"X-Call-Id", "0b9e7c2a-4d1f-4c3e-9a57-2f6d8e1b3c40"},
                 {"X-Start-Time", "1795430400123456789"}};
    r.body.assign(body_bytes, 'x');
    r.call_id = "0b9e7c2a-4d1f-4c3e-9a57-2f6d8e1b3c40";
    r.function = "echo";
    r.namespace_ = "openfaas-fn";
    r.enqueued_at = "2026-11-23T10:00:00.123456789Z";
    return faas::openfaas::encode(r);
}

// What every run shares; it outlives the io_context each run drives to completion, so the
// coroutines hold it by reference.
struct Floor {
    nats::JetStream& js;
    async::StreamSettings names;  // the platform's defaults with our stream names
    std::string subject;          // one call's subject of the default queue, for async_publish
    std::string payload;          // the queued request
};

struct Run {
    long done = 0;
    long failed = 0;
    std::string first_error;
    std::vector<double> latencies_ms;
    std::size_t max_in_flight = 0;
    double seconds = 0;
};

void record(const Floor& f, Run& run, const faas::Result<nats::PubAck>& r, Clock::time_point t0) {
    // The acked publish has left the table already: the others still waiting, plus this one.
    run.max_in_flight = std::max(run.max_in_flight, f.js.pending_publishes() + 1);
    if (!r.ok()) {
        if (run.failed++ == 0) {
            run.first_error = r.error().what();
        }
        return;
    }
    ++run.done;
    run.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
}

// One of INFLIGHT publishers: takes numbers from `next` until `count` were taken.
faas::awaitable<void> publisher(const Floor& f, long count, long& next, Run& run) {
    while (next < count) {
        ++next;
        const auto t0 = Clock::now();
        auto publishing = f.js.publish(f.subject, {}, f.payload);
        auto r = co_await std::move(publishing);
        record(f, run, r, t0);
    }
}

// One of INFLIGHT acceptors: each call's request on its own subject, as the gateway publishes it.
faas::awaitable<void> acceptor(const Floor& f, long count, long& next, Run& run) {
    while (next < count) {
        const long n = next++;
        const auto t0 = Clock::now();
        auto publishing =
            f.js.publish(async::request_subject(f.names, "default", "call-" + std::to_string(n)),
                         {}, f.payload);
        auto r = co_await std::move(publishing);
        record(f, run, r, t0);
    }
}

// The io_context runs to completion inside these functions, so the coroutines' references to
// their locals stay valid.
Run publish_concurrently(const Floor& f, long count, long inflight, bool accept) {
    asio::io_context io;
    Run run;
    run.latencies_ms.reserve(static_cast<std::size_t>(count));
    long next = 0;
    const auto start = Clock::now();
    for (long i = 0; i < inflight; ++i) {
        if (accept) {
            asio::co_spawn(io, acceptor(f, count, next, run), asio::detached);
        } else {
            asio::co_spawn(io, publisher(f, count, next, run), asio::detached);
        }
    }
    io.run();
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return run;
}

Run publish_one_at_a_time(const Floor& f, long count) {
    asio::io_context io;
    Run run;
    long next = 0;
    const auto start = Clock::now();
    asio::co_spawn(io, publisher(f, count, next, run), asio::detached);
    io.run();
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return run;
}

faas::awaitable<void> drain(nats::Consumer& consumer, std::uint64_t expected, int batch, Run& run) {
    int empty_in_a_row = 0;
    while (static_cast<std::uint64_t>(run.done) < expected && empty_in_a_row < 3) {
        const auto t0 = Clock::now();
        auto fetching = consumer.fetch(batch, std::chrono::milliseconds(1000));
        auto got = co_await std::move(fetching);
        if (!got.ok()) {
            fail("fetch", got.error());
        }
        empty_in_a_row = got->empty() ? empty_in_a_row + 1 : 0;
        if (!got->empty()) {
            run.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        }
        for (auto& m : *got) {
            const auto acked = m.ack();
            if (!acked.ok()) {
                if (run.failed++ == 0) {
                    run.first_error = acked.error().what();
                }
                continue;
            }
            ++run.done;
        }
    }
}

// Blocks until the request stream holds no message (WorkQueue retention removes one when its ack
// is processed); exits when that takes longer than 30 s.
void wait_until_empty(const Floor& f) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto state = f.js.stream_state(f.names.request_stream);
        if (!state.ok()) {
            fail("stream state", state.error());
        }
        if (state->messages == 0) {
            return;
        }
        if (Clock::now() > deadline) {
            std::fprintf(stderr, "nats_floor: %llu messages still stored 30 s after the last ack\n",
                         static_cast<unsigned long long>(state->messages));
            quit(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

// Latencies: one per fetch that brought messages.
Run fetch_and_ack(const Floor& f, int batch) {
    auto state = f.js.stream_state(f.names.request_stream);
    if (!state.ok()) {
        fail("stream state", state.error());
    }
    const std::uint64_t expected = state->messages;
    nats::ConsumerSpec spec = async::queue_consumer_spec(f.names, "default");
    spec.ack_wait = std::chrono::seconds(60);
    spec.max_ack_pending = 10000;
    auto consumer = f.js.consumer(spec);
    if (!consumer.ok()) {
        fail("consumer", consumer.error());
    }
    asio::io_context io;
    Run run;
    const auto start = Clock::now();
    asio::co_spawn(io, drain(**consumer, expected, batch, run), asio::detached);
    io.run();
    wait_until_empty(f);
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (static_cast<std::uint64_t>(run.done) != expected) {
        std::fprintf(stderr, "nats_floor: fetched and acked %ld of %llu stored messages\n",
                     run.done, static_cast<unsigned long long>(expected));
        quit(1);
    }
    return run;
}

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const auto idx = static_cast<std::size_t>(std::llround(p * static_cast<double>(v.size() - 1)));
    return v[std::min(idx, v.size() - 1)];
}

// Prints the FLOOR line; false when a publish or ack failed.
bool report(const char* what, long inflight, Run& run) {
    const double rate = run.seconds > 0 ? static_cast<double>(run.done) / run.seconds : 0;
    std::printf(
        "FLOOR what=%s inflight=%ld msgs=%ld failed=%ld secs=%.3f rate=%.1f p50_ms=%.3f "
        "p99_ms=%.3f max_in_flight=%zu\n",
        what, inflight, run.done, run.failed, run.seconds, rate, percentile(run.latencies_ms, 0.5),
        percentile(run.latencies_ms, 0.99), run.max_in_flight);
    std::fflush(stdout);
    if (run.failed > 0) {
        std::fprintf(stderr, "nats_floor: %s: %ld failed, the first: %s\n", what, run.failed,
                     run.first_error.c_str());
        return false;
    }
    return true;
}

int run_floors(int argc, char** argv) {
    const Options o = parse(argc, argv);
    nats::ConnectOptions co;
    co.urls = {o.url};
    co.name = "nats_floor";
    co.send_asap = o.send_asap;
    const long most = *std::max_element(o.inflight.begin(), o.inflight.end());
    co.max_pending_publishes = static_cast<std::size_t>(std::max(most * 2, 65536L));
    auto connected = nats::JetStream::connect(co);
    if (!connected.ok()) {
        fail("connect", connected.error());
    }
    auto& js = **connected;
    async::StreamSettings names;
    names.request_stream = "bench-floor";
    names.dead_letter_stream = "bench-floor-dead-letter";
    const auto spec = async::request_stream_spec(names);
    if (const auto ensured = js.ensure_stream(spec); !ensured.ok()) {
        fail("ensure_stream " + spec.name, ensured.error());
    }
    const Floor f{js, names, async::request_subject(names, "default", "same"),
                  queued_request(o.body_bytes)};
    std::printf(
        "# nats_floor: %s, message %zu bytes (QueueRequest with a %zu-byte body), %ld "
        "messages per run, one-at-a-time %ld, fetch batch %d\n",
        o.url.c_str(), f.payload.size(), o.body_bytes, o.count, o.sync_count, o.fetch_batch);
    std::fflush(stdout);

    bool ok = true;
    for (const long inflight : o.inflight) {
        Run async_run = publish_concurrently(f, o.count, inflight, false);
        ok = report("async_publish", inflight, async_run) && ok;
        Run accept_run = publish_concurrently(f, o.count, inflight, true);
        ok = report("accept_publish", inflight, accept_run) && ok;
    }
    Run sync_run = publish_one_at_a_time(f, o.sync_count);
    ok = report("sync_publish", 1, sync_run) && ok;
    Run fetch_run = fetch_and_ack(f, o.fetch_batch);
    ok = report("fetch_ack", o.fetch_batch, fetch_run) && ok;
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_floors(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nats_floor: %s\n", e.what());
        return 1;
    }
}
