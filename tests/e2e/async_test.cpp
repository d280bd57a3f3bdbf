// Async calls on the whole platform started with `faas up` (nats-server, provider, gateway,
// queue-worker): callbacks, per-function concurrency and rate, retries, dead letters and
// re-drive, idempotency, webhook verification, and no call lost when the queue-worker is killed
// or nats-server restarts. Retry and ack waits are shortened through faas up's environment, which
// its children inherit.
#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "core/crypto/hmac.hpp"
#include "core/text/text.hpp"
#include "tests/e2e/async_support.hpp"
#include "tests/e2e/platform.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/text.hpp"
#include "tests/support/wait.hpp"

using faas::test::CallbackReceiver;
using faas::test::CliResult;
using faas::test::line_starting;
using faas::test::Platform;
using faas::test::probe_function;
using faas::test::TempDir;

namespace {

using namespace std::chrono_literals;

using faas::test::contains;

// A test's work dir with the probe's handler and a stack of probe functions; faas up gets
// PROBE_DIR and short retry waits (the worker's defaults wait seconds).
struct AsyncSetup {
    explicit AsyncSetup(const std::vector<std::string>& functions) {
        work.write("probe/server.py", faas::test::kProbeServer);
        std::filesystem::create_directories(work.file("log"));
        stack = work.write("stack.yml", faas::test::probe_stack(functions));
        env = {{"PROBE_DIR", work.file("log").string()},
               {"initial_retry_wait", "50ms"},
               {"max_retry_wait", "200ms"},
               {"callback_initial_wait", "50ms"},
               {"callback_max_wait", "200ms"}};
    }
    std::filesystem::path log(const std::string& fn) const {
        return work.file("log/" + fn + ".log");
    }
    std::vector<faas::test::ProbeEvent> events(const std::string& fn) const {
        return faas::test::probe_events(log(fn));
    }

    TempDir work;
    std::filesystem::path stack;
    faas::test::EnvMap env;
};

// POST /async-function/<fn> with a callback to `receiver`; returns the X-Call-Id of the 202.
std::string submit(faas::test::SyncClient& client,
                   const Platform& p,
                   const std::string& fn,
                   const std::string& body,
                   const CallbackReceiver& receiver,
                   faas::http::Headers headers = {}) {
    headers.set("X-Callback-Url", receiver.url());
    auto r = client.post(p.port(), "/async-function/" + fn, body, headers, 30s);
    REQUIRE_MESSAGE(r.ok(), r.error().what());
    REQUIRE_MESSAGE(r->status == 202, r->status << " " << r->body);
    const std::string id(r->headers.get("X-Call-Id").value_or(""));
    REQUIRE_FALSE(id.empty());
    return id;
}

// `n` calls submitted one after the other; their call ids in order.
std::vector<std::string> submit_many(faas::test::SyncClient& client,
                                     const Platform& p,
                                     const std::string& fn,
                                     int n,
                                     const CallbackReceiver& receiver) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
        ids.push_back(submit(client, p, fn, "call " + std::to_string(i), receiver));
    }
    return ids;
}

// The line after a table's header ("" when the table is empty).
std::string second_line(const std::string& text) {
    const auto nl = text.find('\n');
    if (nl == std::string::npos) {
        return "";
    }
    const auto end = text.find('\n', nl + 1);
    return text.substr(nl + 1, end == std::string::npos ? std::string::npos : end - nl - 1);
}

std::string status_field(const Platform& p, const std::string& id, const std::string& field) {
    const auto r = p.cli({"queue", "status", id});
    const auto line = line_starting(r.out, field + ":");
    return line.empty() ? "" : std::string(faas::text::trim(line.substr(field.size() + 1)));
}

// Waits until `faas queue status` shows `state` for the call.
bool wait_state(const Platform& p,
                const std::string& id,
                const std::string& state,
                std::chrono::nanoseconds bound = 30s) {
    return faas::test::wait_until([&] { return status_field(p, id, "Status") == state; }, bound,
                                  200ms);
}

}  // namespace

TEST_SUITE("e2e async") {
    TEST_CASE(
        "async: the result reaches the callback signed, with output and headers, and a repeated "
        "Idempotency-Key runs once") {
        AsyncSetup setup({probe_function("probe", {}, {})});
        const auto secret = setup.work.write("callback.key", "callback-signing-key");
        setup.env["callback_secret_file"] = secret.string();
        Platform p(setup.stack, setup.env);
        CallbackReceiver receiver;

        const auto submitted =
            p.cli({"invoke", "probe", "--async", "--callback", receiver.url()}, "hello async");
        REQUIRE_MESSAGE(submitted.code == 0, submitted.err);
        CHECK(contains(submitted.err, "Function submitted asynchronously."));
        const std::string id(faas::text::trim(submitted.out));
        REQUIRE_FALSE(id.empty());
        REQUIRE(receiver.wait_all({id}, "200", 30s));
        const auto got = receiver.for_call(id);
        REQUIRE(got.size() == 1);
        const auto& cb = got[0];
        CHECK(cb.target == "/cb");
        CHECK(cb.body == "done " + id + " hello async");
        CHECK(cb.headers.get("Content-Type") == "text/x-probe");
        CHECK(cb.headers.get("X-Probe") == "probe");
        CHECK(cb.headers.get("X-Function-Name") == "probe.openfaas-fn");
        CHECK(std::stod(std::string(cb.headers.get("X-Duration-Seconds").value_or("-1"))) >= 0);
        CHECK(cb.headers.get("X-Faas-Signature") ==
              "sha256=" + faas::crypto::hmac_sha256_hex("callback-signing-key", cb.body));

        // The final record is written after the callback.
        REQUIRE(wait_state(p, id, "succeeded"));
        CHECK(status_field(p, id, "Function") == "probe.openfaas-fn");
        CHECK(status_field(p, id, "Status code") == "200");
        CHECK(status_field(p, id, "Callback status") == "200");
        CHECK(status_field(p, id, "Attempt") == "1");
        const auto json = p.cli({"queue", "status", id, "-o", "json"});
        CHECK(contains(json.out, "\"status\":\"succeeded\""));
        const auto unknown = p.cli({"queue", "status", "no-such-call"});
        CHECK(unknown.code == 1);
        CHECK(contains(unknown.err, "no such call: no-such-call"));

        // The same key twice: one call id, one execution, one callback.
        const auto first = p.cli({"invoke", "probe", "--async", "--idempotency-key", "order-7",
                                  "--callback", receiver.url()},
                                 "once");
        const auto second = p.cli({"invoke", "probe", "--async", "--idempotency-key", "order-7",
                                   "--callback", receiver.url()},
                                  "once");
        REQUIRE_MESSAGE(first.code == 0, first.err);
        REQUIRE_MESSAGE(second.code == 0, second.err);
        const std::string key_id(faas::text::trim(first.out));
        CHECK(faas::text::trim(second.out) == key_id);
        CHECK(contains(second.err, "already queued"));
        REQUIRE(receiver.wait_all({key_id}, "200", 30s));
        REQUIRE(wait_state(p, key_id, "succeeded"));
        // A second message would be running by now; give it the time anyway.
        std::this_thread::sleep_for(1500ms);
        CHECK(faas::test::starts_per_call(setup.events("probe"))[key_id] == 1);
        CHECK(receiver.for_call(key_id).size() == 1);
    }

    TEST_CASE(
        "async: 1,000 calls to a function with concurrency 2 all complete, never more than "
        "2 at once") {
        AsyncSetup setup(
            {probe_function("pair", {{"sleep_ms", "2"}}, {{"com.faas.queue.concurrency", "2"}})});
        Platform p(setup.stack, setup.env);
        CallbackReceiver receiver;
        faas::test::SyncClient client;
        const auto ids = submit_many(client, p, "pair", 1000, receiver);
        CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1000);
        const bool all = receiver.wait_all(ids, "200", 120s);
        CHECK_MESSAGE(all, receiver.call_ids_with_status("200").size() << " of 1000 delivered");
        const auto events = setup.events("pair");
        CHECK(faas::test::max_running(events) == 2);
        const auto starts = faas::test::starts_per_call(events);
        for (const auto& id : ids) {
            CHECK_MESSAGE(starts.count(id) == 1, "call " << id << " never ran");
        }
        // Acks follow the callbacks: the queue empties right after.
        const std::vector<std::string> empty{"default", "0", "0", "0", "0"};
        CliResult table;
        faas::test::wait_until(
            [&] {
                table = p.cli({"queue"});
                return faas::test::fields(line_starting(table.out, "default ")) == empty;
            },
            20s, 200ms);
        CHECK(
            faas::test::fields(line_starting(table.out, "QUEUE")) ==
            std::vector<std::string>{"QUEUE", "MESSAGES", "PENDING", "IN-FLIGHT", "DEAD-LETTERS"});
        CHECK_MESSAGE(faas::test::fields(line_starting(table.out, "default ")) == empty, table.out);
    }

    TEST_CASE("async: a rate-limited function is started no faster than its rate") {
        AsyncSetup setup({probe_function(
            "paced", {}, {{"com.faas.queue.rate", "5/s"}, {"com.faas.queue.burst", "1"}})});
        Platform p(setup.stack, setup.env);
        CallbackReceiver receiver;
        faas::test::SyncClient client;
        const auto ids = submit_many(client, p, "paced", 10, receiver);
        REQUIRE(receiver.wait_all(ids, "200", 30s));
        std::vector<std::int64_t> starts;
        for (const auto& e : setup.events("paced")) {
            if (e.start) {
                starts.push_back(e.ns);
            }
        }
        REQUIRE(starts.size() == 10);
        std::sort(starts.begin(), starts.end());
        // 10 calls at 5/s with a burst of 1: the last starts about 1.8 s after the first.
        const double span = static_cast<double>(starts.back() - starts.front()) / 1e9;
        CHECK_MESSAGE(span >= 1.5, "10 calls started within " << span << " s");
        for (std::size_t i = 0; i < starts.size(); ++i) {
            std::size_t in_window = 0;
            for (std::size_t j = i; j < starts.size() && starts[j] - starts[i] < 1'000'000'000;
                 ++j) {
                ++in_window;
            }
            CHECK_MESSAGE(in_window <= 7, in_window << " calls started within one second");
        }
    }

    TEST_CASE(
        "async: 503 twice then 200 is one success, and an always failing call is dead-lettered "
        "and redrive runs it again") {
        AsyncSetup setup({probe_function("flaky", {{"fail_first", "2"}}, {}),
                          probe_function("broken", {}, {{"com.openfaas.retry.attempts", "3"}})});
        Platform p(setup.stack, setup.env);
        CallbackReceiver receiver;
        faas::test::SyncClient client;

        const std::string flaky = submit(client, p, "flaky", "f", receiver);
        REQUIRE(receiver.wait_all({flaky}, "200", 30s));
        REQUIRE(wait_state(p, flaky, "succeeded"));
        CHECK(status_field(p, flaky, "Attempt") == "3");
        CHECK(faas::test::starts_per_call(setup.events("flaky"))[flaky] == 3);
        // No callback for the intermediate 503s.
        CHECK(receiver.for_call(flaky).size() == 1);

        setup.work.write("log/broken.fail", "503");
        const std::string broken = submit(client, p, "broken", "b", receiver);
        REQUIRE(receiver.wait_all({broken}, "503", 30s));
        REQUIRE(wait_state(p, broken, "dead-lettered"));
        CHECK(faas::test::starts_per_call(setup.events("broken"))[broken] == 3);
        const auto letters = p.cli({"queue", "dead-letters", "--function", "broken"});
        REQUIRE_MESSAGE(letters.code == 0, letters.err);
        const auto row = faas::test::fields(second_line(letters.out));
        REQUIRE_MESSAGE(row.size() >= 7, letters.out);
        CHECK(row[1] == broken);
        CHECK(row[2] == "broken.openfaas-fn");
        CHECK(row[4] == "3");
        CHECK(row[5] == "503");
        const auto queues = p.cli({"queue"});
        CHECK(faas::test::fields(line_starting(queues.out, "default ")).back() == "1");

        // Fixed, then redriven: the same call id runs again and succeeds.
        std::filesystem::remove(setup.work.file("log/broken.fail"));
        const auto redriven = p.cli({"queue", "redrive", "--function", "broken"});
        REQUIRE_MESSAGE(redriven.code == 0, redriven.err);
        CHECK(contains(redriven.out, "call " + broken + " queued again"));
        REQUIRE(receiver.wait_all({broken}, "200", 30s));
        REQUIRE(wait_state(p, broken, "succeeded"));
        const auto after = p.cli({"queue", "dead-letters"});
        CHECK_FALSE(line_starting(after.out, "SEQ").empty());
        CHECK(second_line(after.out).empty());
        const auto nothing = p.cli({"queue", "redrive"});
        CHECK(contains(nothing.out, "No dead letters to redrive."));
    }

    TEST_CASE("async: killing the queue-worker mid-call 20 times loses no call") {
        AsyncSetup setup(
            {probe_function("slow", {{"sleep_ms", "200"}}, {{"com.faas.queue.concurrency", "4"}})});
        // Messages a killed worker held come back after ack_wait; every redelivery counts as an
        // attempt, so allow more attempts than kills.
        setup.env["ack_wait"] = "2s";
        setup.env["max_inflight"] = "8";
        setup.env["max_retry_attempts"] = "100";
        setup.env["log_level"] = "debug";
        Platform p(setup.stack, setup.env);
        CallbackReceiver receiver;
        faas::test::SyncClient client;
        const auto ids = submit_many(client, p, "slow", 60, receiver);
        const pid_t up = p.process().pid();
        pid_t last = -1;
        for (int kill = 0; kill < 20; ++kill) {
            pid_t worker = -1;
            REQUIRE_MESSAGE(faas::test::wait_until(
                                [&] {
                                    worker = faas::test::child_named(up, "queue-worker");
                                    return worker > 0 && worker != last;
                                },
                                30s),
                            "no queue-worker after kill " << kill << ":\n"
                                                          << p.output());
            const std::int64_t since = faas::test::steady_ns();
            const bool calling = faas::test::wait_until(
                [&] {
                    for (const auto& e : setup.events("slow")) {
                        if (e.start && e.ns > since) {
                            return true;
                        }
                    }
                    return false;
                },
                30s, 5ms);
            REQUIRE_MESSAGE(calling, "no call started after kill " << kill);
            ::kill(worker, SIGKILL);
            last = worker;
        }
        const bool all = receiver.wait_all(ids, "200", 90s);
        CHECK_MESSAGE(all, receiver.call_ids_with_status("200").size() << " of 60 delivered");
        for (const auto& id : ids) {
            CHECK_MESSAGE(faas::test::wait_until(
                              [&] {
                                  auto r = client.get(p.port(), "/system/async-calls/" + id);
                                  return r && contains(r->body, "\"status\":\"succeeded\"");
                              },
                              20s, 100ms),
                          "call " << id << " did not end as succeeded");
        }
        // Every worker said it was ready before it was killed (a call had started), so each was
        // restarted after the base delay (one that exits before it is ready waits longer).
        int exits = 0;
        for (const auto& line : faas::text::split_list(p.output(), '\n')) {
            if (line.find("faas up: queue-worker (pid") != std::string::npos) {
                ++exits;
                CHECK_MESSAGE(line.find("restarting it in 0.2s") != std::string::npos, line);
            }
        }
        CHECK(exits >= 20);
        // The worker's own checks found no stalled fetch loop and no slot held by nothing.
        const std::string worker_log =
            faas::test::read_file(p.dir().file("state/logs/queue-worker.log"));
        CHECK(worker_log.find("fetch_stalled") == std::string::npos);
        CHECK(worker_log.find("slot_accounting") == std::string::npos);
        CHECK(p.process().running());
        const auto letters = p.cli({"queue", "dead-letters"});
        CHECK_FALSE(line_starting(letters.out, "SEQ").empty());
        CHECK_MESSAGE(second_line(letters.out).empty(), letters.out);
    }

    TEST_CASE("async: restarting nats-server during a run loses no call") {
        AsyncSetup setup({probe_function("steady", {{"sleep_ms", "20"}},
                                         {{"com.faas.queue.concurrency", "4"}})});
        Platform p(setup.stack, setup.env);
        CallbackReceiver receiver;
        faas::test::SyncClient client;
        auto ids = submit_many(client, p, "steady", 150, receiver);
        REQUIRE(faas::test::wait_until(
            [&] { return receiver.call_ids_with_status("200").size() >= 10; }, 30s));
        const pid_t nats = faas::test::child_named(p.process().pid(), "nats-server");
        REQUIRE(nats > 0);
        ::kill(nats, SIGTERM);
        REQUIRE_MESSAGE(faas::test::wait_until(
                            [&] { return contains(p.output(), "faas up: nats is back"); }, 30s),
                        p.output());
        // Calls submitted after the restart are accepted once the gateway has reconnected.
        for (int i = 0; i < 50; ++i) {
            faas::http::Headers headers;
            headers.set("X-Callback-Url", receiver.url());
            std::string id;
            const bool accepted = faas::test::wait_until(
                [&] {
                    auto r = client.post(p.port(), "/async-function/steady", "after", headers, 10s);
                    if (r && r->status == 202) {
                        id = std::string(r->headers.get("X-Call-Id").value_or(""));
                        return true;
                    }
                    return false;
                },
                30s, 100ms);
            REQUIRE_MESSAGE(accepted, "the gateway did not accept calls after nats restarted");
            ids.push_back(id);
        }
        const bool all = receiver.wait_all(ids, "200", 60s);
        CHECK_MESSAGE(all, receiver.call_ids_with_status("200").size() << " of 200 delivered");
        const auto starts = faas::test::starts_per_call(setup.events("steady"));
        for (const auto& id : ids) {
            CHECK_MESSAGE(starts.count(id) == 1, "call " << id << " never ran");
        }
    }

    TEST_CASE("async: a webhook with a bad signature is refused with 401 and nothing is queued") {
        AsyncSetup setup({probe_function("hook", {},
                                         {{"com.faas.webhook", "github"},
                                          {"com.faas.webhook.secret", "gh-secret"},
                                          {"com.openfaas.queue", "hooks"}})});
        Platform p(setup.stack, setup.env);
        const auto secret = p.cli(
            {"secret", "create", "gh-secret", "--from-literal", "It's a Secret to Everybody"});
        REQUIRE_MESSAGE(secret.code == 0, secret.err);
        faas::test::SyncClient client;
        faas::http::Headers bad;
        bad.set("X-Hub-Signature-256",
                "sha256=0000000000000000000000000000000000000000000000000000000000000000");
        bad.set("X-GitHub-Delivery", "delivery-1");
        auto refused = client.post(p.port(), "/async-function/hook", "Hello, World!", bad);
        REQUIRE(refused.ok());
        CHECK(refused->status == 401);
        auto unsigned_call = client.post(p.port(), "/async-function/hook", "Hello, World!");
        REQUIRE(unsigned_call.ok());
        CHECK(unsigned_call->status == 401);
        auto sync = client.post(p.port(), "/function/hook", "Hello, World!", bad);
        REQUIRE(sync.ok());
        CHECK(sync->status == 401);
        const auto queues = p.cli({"queue"});
        REQUIRE_MESSAGE(queues.code == 0, queues.err);
        CHECK(line_starting(queues.out, "hooks ").empty());

        // GitHub's published example signs: the call is queued and runs once.
        faas::http::Headers good;
        good.set("X-Hub-Signature-256",
                 "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        good.set("X-GitHub-Delivery", "delivery-2");
        auto accepted = client.post(p.port(), "/async-function/hook", "Hello, World!", good);
        REQUIRE(accepted.ok());
        CHECK(accepted->status == 202);
        const std::string id(accepted->headers.get("X-Call-Id").value_or(""));
        REQUIRE(wait_state(p, id, "succeeded"));
        const auto starts = faas::test::starts_per_call(setup.events("hook"));
        CHECK(starts.size() == 1);
        CHECK(starts.count(id) == 1);
    }
}
