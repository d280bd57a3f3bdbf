#pragma once
// One request on an async route (async.cpp for /async-function, async_batch.cpp for
// /async-batch) up to the point where its calls are built: the checks both routes make and the
// template their queued calls are made from. Lives on the handling I/O thread's coroutine frame.
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"
#include "core/nats/jet_stream.hpp"
#include "gateway/async.hpp"
#include "gateway/context.hpp"

namespace faas::gateway {

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
awaitable<void> reply(Submission& s, http::Response& res);
// An error answer, its status from `code` (faas::http_status).
awaitable<void> fail(Submission& s, errc code, const std::string& message);

// Everything both routes check before queuing. False when the request was answered.
awaitable<bool> admit(Submission& s);

// The calls of one submission as queued, before set_call gives one its body and call id:
// headers as received plus X-Start-Time.
Enqueue make_template(const Submission& s);

// One call of the template: its body, call id (also as X-Call-Id) and, with an idempotency key,
// its Nats-Msg-Id.
void set_call(Enqueue& e,
              const Submission& s,
              std::string body,
              std::string call_id,
              const std::string& idempotency_key);

}  // namespace faas::gateway
