// Synchronous invocation: /function/<name>[.<ns>][/<rest>] (docs/wire-contract.md §1.3, §1.11).
// The gateway picks the replica itself from the endpoint snapshot, holds the call while the
// function scales from zero or its replicas restart, and retries on another replica when one
// refuses the connection (nothing was sent, so that is safe).
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/http/respond.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"
#include "gateway/webhook_gate.hpp"

namespace faas::gateway {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string seconds_text(std::chrono::nanoseconds d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    return std::to_string(static_cast<double>(ms) / 1000.0).substr(0, 6) + "s";
}

// One call's state, kept together so the steps below stay small.
struct Call {
    Call(ThreadState& t, http::Exchange& e, FunctionRoute r) : ts(t), ex(e), route(std::move(r)) {}
    ThreadState& ts;
    http::Exchange& ex;
    FunctionRoute route;
    std::string key;  // name.namespace
    Clock::time_point start = Clock::now();
    std::string call_id;
    bool call_id_generated = false;
    std::string start_ns;
    http::ForwardOptions opts;
    std::optional<std::string> replay;
    std::string replica;  // id of the replica that answered
    int status = 0;
    // Routing state (route_call): what was done already for this call.
    bool rechecked = false;    // asked the provider about a function missing from the list
    bool started = false;      // counted as started (and its webhook verified)
    bool scale_asked = false;  // this call sent the scale-from-zero request
    std::optional<Clock::time_point> held_since;  // waiting for a replica since
    std::vector<std::string> tried;               // replicas that refused, in this generation
    std::uint64_t tried_generation = 0;
};

// What route_call does after a step: try again at once, wait for a newer endpoint list, or stop
// (the call was answered).
enum class Next { Retry, Wait, Done };

// Headers the gateway adds to the replica's request and to the caller's response (§1.3, §1.5).
void prepare(Call& c) {
    const Config& cfg = c.ts.shared.config;
    if (auto id = c.ex.header("X-Call-Id"); id && !id->empty()) {
        c.call_id = std::string(*id);
    } else {
        c.call_id = new_call_id();
        c.call_id_generated = true;
    }
    c.start_ns = start_time_ns();
    auto& up = c.opts.request_headers;
    auto& down = c.opts.response_headers;
    if (c.call_id_generated) {
        up.set("X-Call-Id", c.call_id);
        down.set("X-Call-Id", c.call_id);
    }
    up.set("X-Start-Time", c.start_ns);
    down.set("X-Start-Time", c.start_ns);
    if (!c.ex.header("X-Forwarded-Host")) {
        if (auto host = c.ex.header("Host")) {
            up.set("X-Forwarded-Host", *host);
        }
    }
    if (!c.ex.header("X-Forwarded-For")) {
        up.set("X-Forwarded-For", c.ex.remote_address());
    }
    down.set("X-Served-By", std::string("faas/") + version_release());
    c.opts.target = c.route.target;
    c.opts.timeout = cfg.upstream_timeout;
    c.opts.max_request_bytes = cfg.max_request_size;
    c.opts.replay_body = &c.replay;
}

// Answers with an error made here (not by the function), with the call's own headers.
awaitable<void> fail(Call& c,
                     errc code,
                     const std::string& message,
                     bool with_call_headers = true) {
    http::Response res = http::error_response(make_error(code, message));
    if (with_call_headers) {
        for (const auto& h : c.opts.response_headers) {
            res.headers.set(h.name, h.value);
        }
    } else {
        res.headers.set("X-Served-By", std::string("faas/") + version_release());
    }
    c.status = res.status;
    co_await answer(c.ex, std::move(res));
}

// A function annotated with com.faas.webhook is verified on the sync route too, else the
// signature could be bypassed: the body is buffered (up to max_request_size), checked, and then
// relayed from the buffer. Returns false when the call was answered here.
awaitable<bool> verify_webhook(Call& c, const FunctionEntry& f) {
    if (!f.verifies_webhook()) {
        co_return true;
    }
    const std::uint64_t limit = c.ts.shared.config.max_request_size;
    auto body = co_await c.ex.read_body(limit);
    if (!body) {
        if (body.error().code == errc::body_too_large) {
            const std::string message = "request body too large: the limit (max_request_size) is " +
                                        std::to_string(limit) + " bytes";
            co_await fail(c, errc::body_too_large, message);
        } else {
            const std::string message = "cannot read the request body: " + body.error().what();
            co_await fail(c, errc::bad_request, message);
        }
        co_return false;
    }
    WebhookOutcome outcome =
        co_await c.ts.webhook.check(c.key, f, c.ex.headers(), body.value(), c.call_id);
    if (outcome.answer) {
        http::Response res = std::move(*outcome.answer);
        for (const auto& h : c.opts.response_headers) {
            res.headers.set(h.name, h.value);
        }
        c.status = res.status;
        co_await http::send(c.ex, std::move(res));
        co_return false;
    }
    c.replay = std::move(body.value());
    co_return true;
}

// POST /system/scale-function/<fn> to max(1, minReplicas).
awaitable<Status> scale_up(Call& c, std::uint64_t replicas) {
    std::string name = c.route.name;
    std::string ns = c.route.namespace_;
    auto r = co_await c.ts.provider.scale(std::move(name), std::move(ns), replicas);
    if (!r) {
        co_return r.error();
    }
    if (r->status < 200 || r->status >= 300) {
        co_return make_error(errc::upstream_failed,
                             "provider answered " + std::to_string(r->status) + ": " +
                                 std::string(r->body.substr(0, 200)));
    }
    co_return Status{};
}

// Relays the call to one replica. Returns false when the replica refused the connection and the
// call may go to another one.
awaitable<bool> try_replica(Call& c, const Replica& replica) {
    Balancer::InFlight guard(c.ts.balancer, replica.id);
    auto r = co_await c.ts.client.forward(c.ex, replica.endpoint, c.opts);
    if (r) {
        c.status = r->status;
        c.replica = replica.id;
        co_return true;
    }
    const auto& err = r.error();
    if (c.ex.response_started()) {
        c.status = c.ex.response_status();
        c.replica = replica.id;
        c.ts.shared.log->warn("call cut mid-response fn={} call_id={} replica={} error=\"{}\"",
                              c.key, c.call_id, replica.id, err.what());
        co_return true;
    }
    if (err.code == errc::connect_failed) {
        c.ts.balancer.mark_suspect(replica.id);
        c.ts.metrics.retried(c.key);
        c.ts.shared.log->warn("replica refused fn={} call_id={} replica={} error=\"{}\"", c.key,
                              c.call_id, replica.id, err.what());
        c.ts.shared.request_refresh();
        co_return false;
    }
    c.replica = replica.id;
    if (err.code == errc::timeout) {
        const std::string message = "function " + c.key +
                                    " did not answer within upstream_timeout=" +
                                    seconds_text(c.ts.shared.config.upstream_timeout);
        co_await fail(c, errc::timeout, message);
    } else if (err.code == errc::body_too_large) {
        const std::string message = "request body too large: the limit (max_request_size) is " +
                                    std::to_string(c.ts.shared.config.max_request_size) + " bytes";
        co_await fail(c, errc::body_too_large, message);
    } else {
        const std::string message =
            "error calling function " + c.key + " (replica " + replica.id + "): " + err.what();
        co_await fail(c, errc::upstream_failed, message);
    }
    if (err.code != errc::body_too_large) {
        c.ts.shared.log->warn("call failed fn={} call_id={} replica={} status={} error=\"{}\"",
                              c.key, c.call_id, replica.id, c.status, err.what());
    }
    co_return true;
}

// A function missing from the endpoint list: asks the provider. False after answering 404;
// true when it is deployed but not in the list yet (a fresh list is asked for).
awaitable<bool> recheck(Call& c) {
    c.rechecked = true;
    auto found = co_await find_unlisted(c.ts, c.route);
    if (!found) {
        const std::string message = found.error().what();
        co_await fail(c, errc::not_found, message, false);
        co_return false;
    }
    c.ts.shared.request_refresh();
    co_return true;
}

// Counts the call as started, once. Its webhook is verified then too: false when that answered.
awaitable<bool> begin(Call& c, const FunctionEntry& f) {
    c.started = true;
    c.ts.metrics.started(c.key);
    co_return co_await verify_webhook(c, f);
}

// Relays the call to the replica the balancer picks. Wait when there is none to pick.
awaitable<Next> call_replica(Call& c, const FunctionEntry& f) {
    const std::optional<std::size_t> pick = c.ts.balancer.choose(c.key, f, c.tried);
    if (!pick) {
        co_return Next::Wait;
    }
    const Replica replica = f.endpoints[*pick];
    if (c.held_since) {
        const double waited = seconds_since(*c.held_since);
        c.ts.metrics.scale_from_zero(c.key, "ready", waited);
        c.ts.shared.log->info("replica ready fn={} call_id={} replica={} waited_ms={:.1f}", c.key,
                              c.call_id, replica.id, waited * 1000);
        c.held_since.reset();
    }
    if (co_await try_replica(c, replica)) {
        co_return Next::Done;
    }
    c.tried.push_back(replica.id);
    co_return Next::Retry;
}

// A function scaled to zero: the first caller of this list generation asks the provider for
// replicas, everyone waits for them. 503 when scale from zero is off.
awaitable<Next> scale_from_zero(Call& c, const FunctionEntry& f, std::uint64_t generation) {
    Shared& sh = c.ts.shared;
    if (!f.endpoints.empty() || f.replicas != 0) {
        co_return Next::Wait;  // starting, or every ready replica refused
    }
    if (!sh.config.scale_from_zero) {
        const std::string message = "No endpoints available for: " + c.key + ".";
        co_await fail(c, errc::unavailable, message);
        co_return Next::Done;
    }
    if (c.scale_asked || !sh.scale_claims.claim(c.key, generation)) {
        co_return Next::Wait;
    }
    c.scale_asked = true;
    const std::uint64_t target = std::max<std::uint64_t>(1, f.min_replicas);
    sh.log->info("scale from zero fn={} call_id={} replicas={}", c.key, c.call_id, target);
    auto scaled = co_await scale_up(c, target);
    if (!scaled) {
        sh.scale_claims.release(c.key);
        c.ts.metrics.scale_from_zero(c.key, "failed", seconds_since(c.start));
        sh.log->warn("scale from zero failed fn={} call_id={} error=\"{}\"", c.key, c.call_id,
                     scaled.error().what());
        const std::string message =
            "scaling " + c.key + " from zero failed: " + scaled.error().what();
        co_await fail(c, errc::internal, message);
        co_return Next::Done;
    }
    co_return Next::Retry;  // the list may have changed while we asked
}

// Holds the call until the endpoint list changes. False after answering 504 when
// scale_from_zero_timeout passed first.
awaitable<bool> hold(Call& c, bool listed, std::uint64_t generation, Clock::time_point deadline) {
    Shared& sh = c.ts.shared;
    if (!c.held_since) {
        c.held_since = Clock::now();
    }
    if (co_await c.ts.endpoints.wait_change(generation, deadline)) {
        co_return true;
    }
    c.ts.metrics.scale_from_zero(c.key, "timeout", seconds_since(*c.held_since));
    const std::string why =
        listed ? "it has no ready replica" : "it is not in the provider's endpoint list";
    sh.log->warn("no replica in time fn={} call_id={} waited_ms={:.0f}", c.key, c.call_id,
                 seconds_since(*c.held_since) * 1000);
    if (!c.started) {
        c.started = true;
        c.ts.metrics.started(c.key);
    }
    const std::string message = "function " + c.key +
                                " was not ready within scale_from_zero_timeout=" +
                                seconds_text(sh.config.scale_from_zero_timeout) + ": " + why;
    co_await fail(c, errc::timeout, message);
    co_return false;
}

// Finds a replica and relays the call; holds it (bounded by scale_from_zero_timeout) while the
// function has no ready replica. Returns false when the function does not exist (answered 404).
awaitable<bool> route_call(Call& c) {
    const auto deadline = c.start + c.ts.shared.config.scale_from_zero_timeout;
    c.tried_generation = c.ts.endpoints.current()->generation;
    for (;;) {
        const SnapshotPtr snap = c.ts.endpoints.current();
        if (snap->generation != c.tried_generation) {
            c.tried.clear();  // a new list: replicas that refused may be back
            c.tried_generation = snap->generation;
        }
        const FunctionEntry* f = snap->find(c.key);
        if (f == nullptr && !c.rechecked) {
            if (!co_await recheck(c)) {
                co_return false;
            }
            continue;  // deployed, but not in our list yet: wait for the list that has it
        }
        Next next = Next::Wait;
        if (f != nullptr) {
            if (!c.started && !co_await begin(c, *f)) {
                co_return true;
            }
            next = co_await call_replica(c, *f);
            if (next == Next::Wait) {
                next = co_await scale_from_zero(c, *f, snap->generation);
            }
        }
        if (next == Next::Done) {
            co_return true;
        }
        if (next == Next::Wait && !co_await hold(c, f != nullptr, snap->generation, deadline)) {
            co_return true;
        }
    }
}

}  // namespace

awaitable<void> handle_function(ThreadState& ts, http::Exchange& ex, FunctionRoute route) {
    Call c(ts, ex, std::move(route));
    c.key = c.route.qualified();
    if (c.route.name.empty()) {
        const std::string message = "error finding function " + c.key + ": not found";
        co_await fail(c, errc::not_found, message, false);
        co_return;
    }
    prepare(c);
    const bool known = co_await route_call(c);
    const double took = seconds_since(c.start);
    if (known) {
        c.ts.metrics.finished(c.key, c.status, took);
    }
    if (ts.shared.log->should_log(spdlog::level::debug)) {
        ts.shared.log->debug("call fn={} call_id={} method={} status={} dur_ms={:.2f} replica={}",
                             c.key, c.call_id, ex.method(), c.status, took * 1000,
                             c.replica.empty() ? "-" : c.replica);
    }
}

}  // namespace faas::gateway
