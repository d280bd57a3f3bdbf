// The async routes (docs/async.md): POST /async-function/<name>[.<ns>][/<path>] queues one call,
// POST /async-batch/<name>[.<ns>][/<path>] one call per NDJSON line. Both answer only after
// JetStream acknowledged the request message; many publishes are in flight at once, each
// response completed from its own ack.
#include "gateway/async.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "core/json/json.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"
#include "gateway/webhook_gate.hpp"

namespace faas::gateway {

namespace oa = openfaas::async;

// --- publishing ---

namespace {

// A queue's consumer is checked again this long after it was found, so one deleted (or lost with
// a NATS store) comes back; after a failed check, sooner.
constexpr std::chrono::seconds kQueueCheckEvery{30};
constexpr std::chrono::seconds kQueueRetryEvery{1};

nats::PendingPublish start_request(const asio::any_io_executor& ex,
                                   ThreadState& ts,
                                   nats::JetStream& js,
                                   const Enqueue& e) {
    const std::string subject =
        oa::request_subject(ts.shared.config.streams, e.queue, e.request.call_id);
    nats::Headers headers;
    if (!e.msg_id.empty()) {
        headers.push_back({std::string(nats::kMsgIdHeader), e.msg_id});
    }
    headers.push_back({"X-Call-Id", e.request.call_id});
    return js.start_publish(ex, subject, headers, openfaas::encode(e.request));
}

// The queues of `calls` whose consumer this thread is to check now.
std::vector<std::string> queues_due(const ThreadState& ts,
                                    const std::vector<Enqueue>& calls,
                                    std::chrono::steady_clock::time_point now) {
    std::vector<std::string> due;
    for (const Enqueue& e : calls) {
        auto it = ts.queue_checks.find(e.queue);
        if ((it == ts.queue_checks.end() || it->second <= now) &&
            std::find(due.begin(), due.end(), e.queue) == due.end()) {
            due.push_back(e.queue);
        }
    }
    return due;
}

// Creates the durable consumer of each queue in `due`, before their calls are stored. A failure
// is logged; the calls are queued all the same (the stream keeps them, and a call a second later
// tries again).
awaitable<void> declare_queues(ThreadState& ts,
                               nats::JetStream& js,
                               std::vector<std::string> due,
                               std::chrono::steady_clock::time_point now) {
    for (const std::string& queue : due) {
        // Calls arriving on this thread meanwhile do not check again (their messages wait in the
        // stream for the consumer either way).
        ts.queue_checks[queue] = now + kQueueRetryEvery;
        nats::ConsumerSpec spec = oa::queue_consumer_spec(ts.shared.config.streams, queue);
        nats::JetStream* jet = &js;
        std::function<Status()> job = [jet, spec] { return jet->ensure_consumer(spec); };
        auto ensuring = js.blocking<Status>(std::move(job));
        const Status made = co_await std::move(ensuring);
        if (!made) {
            ts.shared.log->warn("queue consumer not ensured queue={} durable={} error=\"{}\"", queue,
                                spec.durable, made.error().what());
        }
        ts.queue_checks[queue] =
            std::chrono::steady_clock::now() + (made ? kQueueCheckEvery : kQueueRetryEvery);
    }
}

}  // namespace

awaitable<std::vector<Result<nats::PubAck>>> enqueue_all(ThreadState& ts,
                                                         nats::JetStream& js,
                                                         std::vector<Enqueue> calls) {
    const auto now = std::chrono::steady_clock::now();
    if (auto due = queues_due(ts, calls, now); !due.empty()) {
        auto declaring = declare_queues(ts, js, std::move(due), now);
        co_await std::move(declaring);
    }
    const asio::any_io_executor ex = ts.ioc.get_executor();
    // Every request is handed to NATS here, in this order, before the first wait.
    std::vector<nats::PendingPublish> requests;
    requests.reserve(calls.size());
    for (const Enqueue& e : calls) {
        requests.push_back(start_request(ex, ts, js, e));
    }
    std::vector<Result<nats::PubAck>> out;
    out.reserve(calls.size());
    for (auto& request : requests) {
        auto waiting = request.wait();
        Result<nats::PubAck> acked = co_await std::move(waiting);
        out.push_back(std::move(acked));
    }
    co_return out;
}

int publish_error_status(const Error& e) noexcept {
    if (e.code == errc::timeout || e.code == errc::unavailable) {
        return 503;
    }
    if (e.code == errc::overloaded) {
        return 429;
    }
    return 500;
}

http::Response publish_error_response(const Error& e) {
    const int status = publish_error_status(e);
    http::Response res = http::text_error(status, "Error queuing request: " + e.what());
    if (status == 503 || status == 429) {
        res.headers.set("Retry-After", "1");
    }
    return res;
}

http::Response unavailable_response(const std::string& why) {
    http::Response res = http::text_error(503, why);
    res.headers.set("Retry-After", "1");
    return res;
}

// --- the routes ---

namespace {

// A caller's X-Call-Id names its status record's subject: keep it short.
constexpr std::size_t kMaxCallIdLength = 128;

// One request on an async route, up to the point where its calls are built.
struct Submission {
    Submission(ThreadState& t, http::Exchange& e, FunctionRoute r, bool b)
        : ts(t), ex(e), route(std::move(r)), batch(b) {}
    ThreadState& ts;
    http::Exchange& ex;
    FunctionRoute route;
    bool batch;
    std::string key;                // name.namespace
    std::string label = "unknown";  // the metrics label: the function once it is known
    nats::JetStream* js = nullptr;
    // The function: an entry of `snapshot`, or `looked_up` when only the provider knew it.
    SnapshotPtr snapshot;
    std::optional<FunctionEntry> looked_up;
    const FunctionEntry* fn = nullptr;
    std::string body;
    std::string callback_url;
    std::string idempotency_key;
    std::string start_ns = start_time_ns();
    std::string caller_call_id;  // the request's X-Call-Id, "" when none
};

// Answers and counts. Takes a named Response: no temporaries inside co_await (g++ 12).
awaitable<void> reply(Submission& s, http::Response& res) {
    s.ts.metrics.async_answered(s.label, res.status);
    co_await answer(s.ex, std::move(res));
}

awaitable<void> fail(Submission& s, int status, const std::string& message) {
    http::Response res = http::text_error(status, message);
    co_await reply(s, res);
}

std::string too_large_message(std::uint64_t limit, const char* what) {
    return std::string("request body too large: the limit (") + what + ") is " +
           std::to_string(limit) + " bytes";
}

// The function from the endpoint list, or from the provider when the list does not show it yet
// (the same recheck the sync route makes). False when it does not exist.
awaitable<bool> find_function(Submission& s) {
    s.snapshot = s.ts.snapshot;
    if (const FunctionEntry* f = s.snapshot->find(s.key)) {
        s.fn = f;
        co_return true;
    }
    std::string name = s.route.name;
    std::string ns = s.route.namespace_;
    auto found = co_await s.ts.lookup_function(std::move(name), std::move(ns));
    if (!found.status) {
        co_await fail(s, 404, "error finding function " + s.key + ": " + found.reason);
        co_return false;
    }
    FunctionEntry& f = s.looked_up.emplace();
    f.name = s.route.name;
    f.namespace_ = s.route.namespace_;
    f.annotations = std::move(found.status->annotations);
    derive_facts(f);
    s.fn = &f;
    co_return true;
}

// Everything both routes check before queuing. False when the request was answered.
awaitable<bool> admit(Submission& s) {
    const Config& cfg = s.ts.shared.config;
    s.key = s.route.qualified();
    if (s.ex.method() != "POST") {
        co_await fail(s, 405, "Method Not Allowed");
        co_return false;
    }
    if (s.route.name.empty()) {
        co_await fail(s, 404, "error finding function " + s.key + ": not found");
        co_return false;
    }
    std::string why;
    s.js = s.ts.shared.queue->ready(why);
    if (s.js == nullptr) {
        http::Response res = unavailable_response(why);
        co_await reply(s, res);
        co_return false;
    }
    const std::uint64_t limit = s.batch ? cfg.max_request_size : s.ts.shared.queue->max_body();
    const char* limit_name = s.batch ? "max_request_size" : "async_max_request_size";
    if (auto length = s.ex.content_length(); length && *length > limit) {
        co_await fail(s, 413, too_large_message(limit, limit_name));
        co_return false;
    }
    if (!co_await find_function(s)) {
        co_return false;
    }
    s.label = s.key;
    auto body = co_await s.ex.read_body(limit);
    if (!body) {
        http::Response res;
        if (body.error().code == errc::body_too_large) {
            res = http::text_error(413, too_large_message(limit, limit_name));
        } else {
            res = http::text_error(400, "cannot read the request body: " + body.error().what());
        }
        co_await reply(s, res);
        co_return false;
    }
    s.body = std::move(body.value());
    if (auto id = s.ex.header("X-Call-Id")) {
        if (id->size() > kMaxCallIdLength) {
            co_await fail(s, 400, "X-Call-Id is longer than " +
                                      std::to_string(kMaxCallIdLength) + " bytes");
            co_return false;
        }
        s.caller_call_id = std::string(*id);
    }

    if (s.fn->verifies_webhook()) {
        WebhookOutcome hook =
            co_await check_webhook(s.ts, s.key, *s.fn, s.ex.headers(), s.body, s.caller_call_id);
        if (hook.answer) {
            http::Response res = std::move(*hook.answer);
            co_await reply(s, res);
            co_return false;
        }
        s.idempotency_key = std::move(hook.idempotency_key);
    }
    if (auto k = s.ex.header("Idempotency-Key"); k && !k->empty()) {
        s.idempotency_key = std::string(*k);
    }

    if (auto cb = s.ex.header("X-Callback-Url"); cb && !cb->empty()) {
        auto checked = cfg.callback_policy.check_url(*cb);
        if (!checked) {
            co_await fail(s, 400, "X-Callback-Url refused: " + checked.error().what());
            co_return false;
        }
        s.callback_url = std::string(*cb);
    }

    if (!s.fn->queue_error.empty()) {
        s.ts.shared.log->warn("bad queue annotation fn={} call_id={} error=\"{}\"", s.key,
                              s.caller_call_id, s.fn->queue_error);
        co_await fail(s, 500, "function " + s.key + ": " + s.fn->queue_error);
        co_return false;
    }
    co_return true;
}

// The calls of one submission as queued, before set_call gives one its body and call id:
// headers as received plus X-Start-Time.
Enqueue make_template(const Submission& s) {
    Enqueue e;
    auto& q = e.request;
    q.method = "POST";
    q.path = s.route.path;
    q.query = s.route.query;
    q.host = std::string(s.ex.header("Host").value_or(""));
    q.headers = s.ex.headers();
    if (s.batch) {
        q.headers.remove("Content-Length");
        q.headers.remove("Transfer-Encoding");
    }
    q.headers.set("X-Start-Time", s.start_ns);
    q.callback_url = s.callback_url;
    q.function = s.route.name;
    q.namespace_ = s.route.namespace_;
    q.queue = s.fn->queue == oa::kDefaultQueue ? std::string() : s.fn->queue;
    q.enqueued_at = openfaas::rfc3339_now();
    q.attempt = 0;
    q.annotations = s.fn->worker_annotations;
    e.queue = s.fn->queue;
    return e;
}

// One call of the template: its body, call id (also as X-Call-Id) and, with an idempotency key,
// its Nats-Msg-Id.
void set_call(Enqueue& e,
              const Submission& s,
              std::string body,
              std::string call_id,
              const std::string& idempotency_key) {
    auto& q = e.request;
    q.headers.set("X-Call-Id", call_id);
    q.body = std::move(body);
    q.call_id = std::move(call_id);
    if (!idempotency_key.empty()) {
        e.msg_id = s.key + ":" + idempotency_key;
    }
}

}  // namespace

awaitable<void> handle_async(ThreadState& ts, http::Exchange& ex, FunctionRoute route) {
    Submission s(ts, ex, std::move(route), false);
    if (!co_await admit(s)) {
        co_return;
    }
    std::string call_id;
    if (!s.caller_call_id.empty()) {
        call_id = s.caller_call_id;
    } else if (!s.idempotency_key.empty()) {
        call_id = call_id_for_key(s.key, s.idempotency_key);
    } else {
        call_id = new_call_id();
    }
    std::vector<Enqueue> calls;
    calls.push_back(make_template(s));
    set_call(calls.front(), s, std::move(s.body), call_id, s.idempotency_key);
    auto results = co_await enqueue_all(ts, *s.js, std::move(calls));
    auto& r = results.front();
    if (!r) {
        ts.shared.log->warn("async call not queued fn={} call_id={} error=\"{}\"", s.key, call_id,
                            r.error().what());
        http::Response failed = publish_error_response(r.error());
        co_await reply(s, failed);
        co_return;
    }
    ts.shared.log->debug("async call queued fn={} call_id={} queue={} seq={} duplicate={}", s.key,
                         call_id, s.fn->queue, r->sequence, r->duplicate);
    http::Response res;
    res.status = 202;
    res.headers.set("X-Call-Id", call_id);
    res.headers.set("X-Start-Time", s.start_ns);
    if (r->duplicate) {
        res.headers.set("X-Faas-Duplicate", "true");
    }
    co_await reply(s, res);
}

namespace {

struct Line {
    std::size_t number = 0;  // physical, 1-based
    std::string_view text;
};

// The non-empty lines of an NDJSON body ("\r\n" ends a line too).
std::vector<Line> split_lines(std::string_view body) {
    std::vector<Line> out;
    std::size_t number = 0;
    std::size_t at = 0;
    while (at < body.size()) {
        ++number;
        std::size_t end = body.find('\n', at);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        std::string_view text = body.substr(at, end - at);
        if (!text.empty() && text.back() == '\r') {
            text.remove_suffix(1);
        }
        if (!text.empty()) {
            out.push_back({number, text});
        }
        at = end + 1;
    }
    return out;
}

}  // namespace

awaitable<void> handle_batch(ThreadState& ts, http::Exchange& ex, FunctionRoute route) {
    Submission s(ts, ex, std::move(route), true);
    if (!co_await admit(s)) {
        co_return;
    }
    const std::vector<Line> lines = split_lines(s.body);
    const std::size_t max_lines = ts.shared.config.async_batch_max_lines;
    if (lines.size() > max_lines) {
        co_await fail(s, 413,
                      "too many lines: the limit "
                      "(async_batch_max_lines) is " +
                          std::to_string(max_lines));
        co_return;
    }
    if (lines.empty()) {
        co_await fail(s, 400, "the batch has no non-empty line");
        co_return;
    }
    const std::uint64_t line_limit = ts.shared.queue->max_body();
    struct Outcome {
        std::size_t line = 0;
        std::string call_id;
        int status = 0;  // 0: queued
        std::string error;
        bool duplicate = false;
    };
    std::vector<Outcome> outcomes(lines.size());
    const Enqueue call_template = make_template(s);
    std::vector<Enqueue> calls;
    calls.reserve(lines.size());
    std::vector<std::size_t> slot;  // calls[i] is outcomes[slot[i]]
    for (std::size_t i = 0; i < lines.size(); ++i) {
        outcomes[i].line = lines[i].number;
        if (lines[i].text.size() > line_limit) {
            outcomes[i].status = 413;
            outcomes[i].error = "line too large: the limit (async_max_request_size) is " +
                                std::to_string(line_limit) + " bytes";
            continue;
        }
        std::string key;
        std::string call_id;
        if (!s.idempotency_key.empty()) {
            key = s.idempotency_key + ":" + std::to_string(lines[i].number);
            call_id = call_id_for_key(s.key, key);
        } else {
            call_id = new_call_id();
        }
        outcomes[i].call_id = call_id;
        calls.push_back(call_template);
        set_call(calls.back(), s, std::string(lines[i].text), std::move(call_id), key);
        slot.push_back(i);
    }
    std::vector<Result<nats::PubAck>> results;
    if (!calls.empty()) {
        results = co_await enqueue_all(ts, *s.js, std::move(calls));
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        Outcome& o = outcomes[slot[i]];
        if (results[i]) {
            o.duplicate = results[i]->duplicate;
        } else {
            o.status = publish_error_status(results[i].error());
            o.error = "Error queuing request: " + results[i].error().what();
        }
    }
    std::size_t accepted = 0;
    int first_failure = 0;
    for (const auto& o : outcomes) {
        if (o.status == 0) {
            ++accepted;
        } else if (first_failure == 0) {
            first_failure = o.status;
        }
    }
    json::Writer w;
    w.begin_object().key("function").value(s.key);
    w.key("accepted").value(static_cast<std::uint64_t>(accepted));
    w.key("failed").value(static_cast<std::uint64_t>(outcomes.size() - accepted));
    w.key("calls").begin_array();
    for (const auto& o : outcomes) {
        w.begin_object().key("line").value(static_cast<std::uint64_t>(o.line));
        if (o.status == 0) {
            w.key("callId").value(o.call_id);
            if (o.duplicate) {
                w.key("duplicate").value(true);
            }
        } else {
            w.key("status").value(o.status).key("error").value(o.error);
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    ts.shared.log->debug("async batch fn={} call_id={} lines={} accepted={} failed={}", s.key,
                         s.caller_call_id.empty() ? "-" : s.caller_call_id, outcomes.size(),
                         accepted, outcomes.size() - accepted);
    http::Response res;
    res.status = accepted > 0 ? 202 : first_failure;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("X-Start-Time", s.start_ns);
    res.body = std::move(w).str();
    co_await reply(s, res);
}

}  // namespace faas::gateway
