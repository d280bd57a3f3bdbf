// The async route (docs/async.md): POST /async-function/<name>[.<ns>][/<path>] queues one call
// and answers only after JetStream acknowledged the request message. The checks it shares with
// POST /async-batch (async_batch.cpp) are here too.
#include "core/openfaas/async.hpp"

#include <optional>

#include "core/http/respond.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/async_submission.hpp"
#include "gateway/system_routes.hpp"
#include "gateway/webhook_gate.hpp"

namespace faas::gateway {

namespace oa = openfaas::async;

awaitable<void> reply(Submission& s, http::Response& res) {
    s.ts.metrics.async_answered(s.label, res.status);
    co_await answer(s.ex, std::move(res));
}

awaitable<void> fail(Submission& s, errc code, const std::string& message) {
    http::Response res = http::error_response(make_error(code, message));
    co_await reply(s, res);
}

namespace {

// A caller's X-Call-Id names its status record's subject: keep it short.
constexpr std::size_t kMaxCallIdLength = 128;

std::string too_large_message(std::uint64_t limit, const char* what) {
    return std::string("request body too large: the limit (") + what + ") is " +
           std::to_string(limit) + " bytes";
}

std::uint64_t body_limit(const Submission& s) {
    return s.batch ? s.ts.shared.config.max_request_size : s.ts.shared.queue->max_body();
}

const char* body_limit_name(const Submission& s) {
    return s.batch ? "max_request_size" : "async_max_request_size";
}

// The function from the endpoint list, or from the provider when the list does not show it yet
// (the same recheck the sync route makes). False when it does not exist.
awaitable<bool> find_function(Submission& s) {
    s.snapshot = s.ts.endpoints.current();
    if (const FunctionEntry* f = s.snapshot->find(s.key)) {
        s.fn = f;
        co_return true;
    }
    auto found = co_await find_unlisted(s.ts, s.route);
    if (!found) {
        const std::string message = found.error().what();
        co_await fail(s, errc::not_found, message);
        co_return false;
    }
    FunctionEntry& f = s.looked_up.emplace();
    f.name = s.route.name;
    f.namespace_ = s.route.namespace_;
    f.annotations = std::move(found->annotations);
    derive_facts(f);
    s.fn = &f;
    co_return true;
}

// The request itself: method, function name, NATS up, declared length. False when answered.
awaitable<bool> check_request(Submission& s) {
    if (s.ex.method() != "POST") {
        const std::string message = "Method Not Allowed";
        co_await fail(s, errc::method_not_allowed, message);
        co_return false;
    }
    if (s.route.name.empty()) {
        const std::string message = "error finding function " + s.key + ": not found";
        co_await fail(s, errc::not_found, message);
        co_return false;
    }
    std::string why;
    s.js = s.ts.shared.queue->ready(why);
    if (s.js == nullptr) {
        http::Response res = unavailable_response(why);
        co_await reply(s, res);
        co_return false;
    }
    const std::uint64_t limit = body_limit(s);
    if (auto length = s.ex.content_length(); length && *length > limit) {
        const std::string message = too_large_message(limit, body_limit_name(s));
        co_await fail(s, errc::body_too_large, message);
        co_return false;
    }
    co_return true;
}

// Reads the whole body into s.body. False when answered (413, 400).
awaitable<bool> read_body(Submission& s) {
    const std::uint64_t limit = body_limit(s);
    auto body = co_await s.ex.read_body(limit);
    if (!body) {
        http::Response res;
        if (body.error().code == errc::body_too_large) {
            res = http::error_response(
                make_error(errc::body_too_large, too_large_message(limit, body_limit_name(s))));
        } else {
            res = http::error_response(make_error(
                errc::bad_request, "cannot read the request body: " + body.error().what()));
        }
        co_await reply(s, res);
        co_return false;
    }
    s.body = std::move(body.value());
    co_return true;
}

// X-Call-Id, the webhook's verdict and the idempotency key it gives, Idempotency-Key,
// X-Callback-Url. False when answered.
awaitable<bool> read_caller_headers(Submission& s) {
    if (auto id = s.ex.header("X-Call-Id")) {
        if (id->size() > kMaxCallIdLength) {
            const std::string message =
                "X-Call-Id is longer than " + std::to_string(kMaxCallIdLength) + " bytes";
            co_await fail(s, errc::bad_request, message);
            co_return false;
        }
        s.caller_call_id = std::string(*id);
    }
    if (s.fn->verifies_webhook()) {
        WebhookOutcome hook =
            co_await s.ts.webhook.check(s.key, *s.fn, s.ex.headers(), s.body, s.caller_call_id);
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
        auto checked = s.ts.shared.config.callback_policy.check_url(*cb);
        if (!checked) {
            const std::string message = "X-Callback-Url refused: " + checked.error().what();
            co_await fail(s, errc::bad_request, message);
            co_return false;
        }
        s.callback_url = std::string(*cb);
    }
    co_return true;
}

}  // namespace

awaitable<bool> admit(Submission& s) {
    s.key = s.route.qualified();
    if (!co_await check_request(s) || !co_await find_function(s)) {
        co_return false;
    }
    s.label = s.key;
    if (!co_await read_body(s) || !co_await read_caller_headers(s)) {
        co_return false;
    }
    if (!s.fn->queue_error.empty()) {
        s.ts.shared.log->warn("bad queue annotation fn={} call_id={} error=\"{}\"", s.key,
                              s.caller_call_id, s.fn->queue_error);
        const std::string message = "function " + s.key + ": " + s.fn->queue_error;
        co_await fail(s, errc::internal, message);
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
    auto results = co_await ts.publisher.enqueue_all(*s.js, std::move(calls));
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

}  // namespace faas::gateway
