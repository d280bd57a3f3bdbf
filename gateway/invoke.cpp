// Synchronous invocation: /function/<name>[.<ns>][/<rest>] (docs/wire-contract.md §1.3, §1.11).
// The gateway picks the replica itself from the endpoint snapshot, holds the call while the
// function scales from zero or its replicas restart, and retries on another replica when one
// refuses the connection (nothing was sent, so that is safe).
#include <chrono>
#include <string>
#include <vector>

#include "core/openfaas/types.hpp"
#include "gateway/context.hpp"
#include "gateway/webhook_gate.hpp"

namespace faas::gateway {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string seconds_text(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 1000.0)
               .substr(0, 6) +
           "s";
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
};

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
awaitable<void> fail(Call& c, int status, const std::string& message, bool with_call_headers = true) {
    http::Response res = http::text_error(status, message);
    if (with_call_headers) {
        for (const auto& h : c.opts.response_headers) {
            res.headers.set(h.name, h.value);
        }
    } else {
        res.headers.set("X-Served-By", std::string("faas/") + version_release());
    }
    c.status = status;
    if (!c.ex.body_done()) {
        c.ex.close_connection();  // the unread request body has nowhere to go
    }
    (void)co_await c.ex.respond(std::move(res));
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
            co_await fail(c, 413,
                          "request body too large: the limit (max_request_size) is " +
                              std::to_string(limit) + " bytes");
        } else {
            co_await fail(c, 400, "cannot read the request body: " + body.error().what());
        }
        co_return false;
    }
    WebhookOutcome outcome =
        co_await check_webhook(c.ts, c.key, f, c.ex.headers(), body.value(), c.call_id);
    if (outcome.answer) {
        http::Response res = std::move(*outcome.answer);
        for (const auto& h : c.opts.response_headers) {
            res.headers.set(h.name, h.value);
        }
        c.status = res.status;
        (void)co_await c.ex.respond(std::move(res));
        co_return false;
    }
    c.replay = std::move(body.value());
    co_return true;
}

// POST /system/scale-function/<fn> to max(1, minReplicas).
awaitable<Status> scale_up(Call& c, std::uint64_t replicas) {
    openfaas::ScaleServiceRequest req;
    req.service_name = c.route.name;
    req.namespace_ = c.route.namespace_;
    req.replicas = replicas;
    std::string body = openfaas::to_json(req);
    std::string target = "/system/scale-function/" + c.route.name + "?namespace=" + c.route.namespace_;
    auto r = co_await c.ts.provider_call("POST", std::move(target), std::move(body),
                                         std::chrono::seconds(10));
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
        co_await fail(c, 504,
                      "function " + c.key + " did not answer within upstream_timeout=" +
                          seconds_text(c.ts.shared.config.upstream_timeout));
    } else if (err.code == errc::body_too_large) {
        co_await fail(c, 413,
                      "request body too large: the limit (max_request_size) is " +
                          std::to_string(c.ts.shared.config.max_request_size) + " bytes");
    } else {
        co_await fail(c, 502, "error calling function " + c.key + " (replica " + replica.id +
                                  "): " + err.what());
    }
    if (c.status != 413) {
        c.ts.shared.log->warn("call failed fn={} call_id={} replica={} status={} error=\"{}\"",
                              c.key, c.call_id, replica.id, c.status, err.what());
    }
    co_return true;
}

// Finds a replica and relays the call; holds it (bounded by scale_from_zero_timeout) while the
// function has no ready replica. Returns false when the function does not exist (answered 404).
awaitable<bool> route_call(Call& c) {
    Shared& sh = c.ts.shared;
    const auto deadline = c.start + sh.config.scale_from_zero_timeout;
    bool rechecked = false;
    bool started = false;
    bool scale_asked = false;
    std::optional<Clock::time_point> held_since;
    std::vector<std::string> tried;
    std::uint64_t tried_generation = c.ts.snapshot->generation;
    for (;;) {
        const SnapshotPtr snap = c.ts.snapshot;
        if (snap->generation != tried_generation) {
            tried.clear();  // a new list: replicas that refused may be back
            tried_generation = snap->generation;
        }
        const FunctionEntry* f = snap->find(c.key);
        if (f == nullptr && !rechecked) {
            rechecked = true;
            std::string name = c.route.name;
            std::string ns = c.route.namespace_;
            auto found = co_await c.ts.lookup_function(std::move(name), std::move(ns));
            if (!found.status) {
                co_await fail(c, 404, "error finding function " + c.key + ": " + found.reason,
                              false);
                co_return false;
            }
            // Deployed, but not in our list yet: wait for the list that has it.
            sh.request_refresh();
            continue;
        }
        if (f != nullptr && !started) {
            started = true;
            c.ts.metrics.started(c.key);
            if (!co_await verify_webhook(c, *f)) {
                co_return true;
            }
        }
        std::optional<std::size_t> pick;
        if (f != nullptr) {
            pick = c.ts.balancer.choose(c.key, *f, tried);
        }
        if (pick) {
            const Replica replica = f->endpoints[*pick];
            if (held_since) {
                const double waited = seconds_since(*held_since);
                c.ts.metrics.scale_from_zero(c.key, "ready", waited);
                sh.log->info("replica ready fn={} call_id={} replica={} waited_ms={:.1f}", c.key,
                             c.call_id, replica.id, waited * 1000);
                held_since.reset();
            }
            if (co_await try_replica(c, replica)) {
                co_return true;
            }
            tried.push_back(replica.id);
            continue;
        }
        // No replica to call: scaled to zero, starting, or every ready one refused.
        if (f != nullptr && f->endpoints.empty() && f->replicas == 0) {
            if (!sh.config.scale_from_zero) {
                co_await fail(c, 503, "No endpoints available for: " + c.key + ".");
                co_return true;
            }
            if (!scale_asked && sh.claim_scale(c.key, snap->generation)) {
                scale_asked = true;
                const std::uint64_t target = std::max<std::uint64_t>(1, f->min_replicas);
                sh.log->info("scale from zero fn={} call_id={} replicas={}", c.key, c.call_id,
                             target);
                auto scaled = co_await scale_up(c, target);
                if (!scaled) {
                    sh.release_scale(c.key);
                    c.ts.metrics.scale_from_zero(c.key, "failed", seconds_since(c.start));
                    sh.log->warn("scale from zero failed fn={} call_id={} error=\"{}\"", c.key,
                                 c.call_id, scaled.error().what());
                    co_await fail(c, 500, "scaling " + c.key + " from zero failed: " +
                                              scaled.error().what());
                    co_return true;
                }
                continue;  // the list may have changed while we asked
            }
        }
        if (!held_since) {
            held_since = Clock::now();
        }
        if (!co_await c.ts.wait_change(snap->generation, deadline)) {
            c.ts.metrics.scale_from_zero(c.key, "timeout", seconds_since(*held_since));
            const std::string why = f == nullptr ? "it is not in the provider's endpoint list"
                                                 : "it has no ready replica";
            sh.log->warn("no replica in time fn={} call_id={} waited_ms={:.0f}", c.key, c.call_id,
                         seconds_since(*held_since) * 1000);
            if (!started) {
                started = true;
                c.ts.metrics.started(c.key);
            }
            co_await fail(c, 504, "function " + c.key + " was not ready within scale_from_zero_timeout=" +
                                      seconds_text(sh.config.scale_from_zero_timeout) + ": " + why);
            co_return true;
        }
    }
}

}  // namespace

awaitable<void> handle_function(ThreadState& ts, http::Exchange& ex, FunctionRoute route) {
    Call c(ts, ex, std::move(route));
    c.key = c.route.qualified();
    if (c.route.name.empty()) {
        co_await fail(c, 404, "error finding function " + c.key + ": not found", false);
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
