// /system/* (docs/wire-contract.md §1.2, §1.6, §1.7): proxied to the provider with the gateway's
// credentials, except the function list (invocation counts added), /system/info (wrapped) and
// /system/logs (logs.cpp). Plus /healthz on the public port.
#include <string>
#include <string_view>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

awaitable<void> answer(http::Exchange& ex, http::Response res) {
    if (!ex.body_done()) {
        ex.close_connection();  // the unread request body has nowhere to go
    }
    (void)co_await ex.respond(std::move(res));
}

namespace {

http::Response provider_error(const Error& e) {
    const int status = e.code == errc::timeout ? 504 : 502;
    return http::text_error(status, "error calling the provider: " + e.what());
}

// Same method, path, raw query, headers and body to the provider; its answer back unchanged.
awaitable<void> proxy(ThreadState& ts, http::Exchange& ex) {
    const Shared& sh = ts.shared;
    http::ForwardOptions opts;
    opts.target = sh.provider_prefix + std::string(ex.target());
    if (!sh.provider_auth.empty()) {
        opts.request_headers.set("Authorization", sh.provider_auth);
    }
    opts.timeout = sh.config.upstream_timeout;
    opts.max_request_bytes = sh.config.max_request_size;
    auto r = co_await ts.client.forward(ex, sh.provider, opts);
    if (!r && !ex.response_started()) {
        sh.log->warn("provider call failed method={} path={} error=\"{}\"", ex.method(), ex.path(),
                     r.error().what());
        if (r.error().code == errc::body_too_large) {
            co_await answer(ex, http::text_error(413, "request body too large"));
        } else {
            co_await answer(ex, provider_error(r.error()));
        }
    }
}

// GET /system/functions: the provider's list with invocationCount from our own counters.
awaitable<void> list_functions(ThreadState& ts, http::Exchange& ex) {
    std::string target(ex.target());
    auto r = co_await ts.provider_call("GET", std::move(target), "", ts.shared.config.upstream_timeout);
    if (!r) {
        co_await answer(ex, provider_error(r.error()));
        co_return;
    }
    http::Response res;
    res.status = r->status;
    if (r->status != 200) {
        res.headers.set("Content-Type",
                        r->headers.get("Content-Type").value_or("text/plain; charset=utf-8"));
        res.body = std::move(r->body);
        co_await answer(ex, std::move(res));
        co_return;
    }
    auto list = openfaas::parse_status_list(r->body);
    if (!list) {
        co_await answer(ex, http::text_error(502, "the provider's function list is not valid: " +
                                                      list.error().what()));
        co_return;
    }
    for (auto& f : list.value()) {
        const std::string key = f.name + "." +
                                (f.namespace_.empty() ? ts.shared.config.function_namespace
                                                      : f.namespace_);
        f.invocation_count = static_cast<double>(ts.shared.metrics.invocations(key));
    }
    res.headers.set("Content-Type", "application/json");
    res.body = openfaas::to_json(list.value());
    co_await answer(ex, std::move(res));
}

// GET /system/info: the provider's info wrapped with the gateway's version (§1.7).
awaitable<void> info(ThreadState& ts, http::Exchange& ex) {
    auto r = co_await ts.provider_call("GET", "/system/info", "", ts.shared.config.upstream_timeout);
    if (!r) {
        co_await answer(ex, provider_error(r.error()));
        co_return;
    }
    if (r->status != 200) {
        http::Response res;
        res.status = r->status;
        res.headers.set("Content-Type", "text/plain; charset=utf-8");
        res.body = std::move(r->body);
        co_await answer(ex, std::move(res));
        co_return;
    }
    json::Writer w;
    w.begin_object().key("provider");
    auto doc = json::parse(r->body);
    if (doc && doc->root().is_object()) {
        w.raw(r->body);
    } else {
        w.null();
    }
    w.key("version")
        .begin_object()
        .key("commit_message")
        .value("faas gateway")
        .key("sha")
        .value(version_sha())
        .key("release")
        .value(version_release())
        .end_object();
    w.key("arch").value(build_arch());
    w.end_object();
    http::Response res;
    res.headers.set("Content-Type", "application/json");
    res.body = std::move(w).str();
    co_await answer(ex, std::move(res));
}

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

SystemRoute classify_system(std::string_view path, std::string_view method) {
    const auto one_of = [&](std::initializer_list<std::string_view> allowed) {
        for (auto m : allowed) {
            if (method == m) {
                return true;
            }
        }
        return false;
    };
    const auto route = [&](SystemRoute r, std::initializer_list<std::string_view> allowed) {
        return one_of(allowed) ? r : SystemRoute::MethodNotAllowed;
    };
    // The provider's route for the gateway's own webhook verification: never proxied.
    if (has_prefix(path, "/system/function-webhook-secret")) {
        return SystemRoute::NotFound;
    }
    if (path == "/system/functions") {
        if (method == "GET") {
            return SystemRoute::ListFunctions;
        }
        return route(SystemRoute::Proxy, {"POST", "PUT", "DELETE"});
    }
    if (has_prefix(path, "/system/function/") && path.size() > 17) {
        return route(SystemRoute::Proxy, {"GET"});
    }
    if (has_prefix(path, "/system/scale-function/") && path.size() > 23) {
        return route(SystemRoute::Proxy, {"POST"});
    }
    if (path == "/system/secrets") {
        return route(SystemRoute::Proxy, {"GET", "PUT", "POST", "DELETE"});
    }
    if (path == "/system/logs") {
        return route(SystemRoute::Logs, {"GET"});
    }
    if (path == "/system/namespaces") {
        return route(SystemRoute::Proxy, {"GET"});
    }
    if (has_prefix(path, "/system/namespace/")) {
        return route(SystemRoute::Proxy, {"GET", "POST", "PUT", "DELETE"});
    }
    if (path == "/system/info") {
        return route(SystemRoute::Info, {"GET"});
    }
    if (path == "/system/alert") {
        return route(SystemRoute::Alert, {"POST"});
    }
    if (has_prefix(path, "/system/async-calls/") && path.size() > 20) {
        return route(SystemRoute::AsyncCall, {"GET"});
    }
    if (path == "/system/queues") {
        return route(SystemRoute::Queues, {"GET"});
    }
    if (path == "/system/async-dead-letters") {
        return route(SystemRoute::DeadLetters, {"GET"});
    }
    if (path == "/system/async-dead-letters/redrive") {
        return route(SystemRoute::Redrive, {"POST"});
    }
    if (path == "/system/telemetry") {
        return route(SystemRoute::Proxy, {"GET"});
    }
    return SystemRoute::NotFound;
}

awaitable<void> handle_system(ThreadState& ts, http::Exchange& ex) {
    switch (classify_system(ex.path(), ex.method())) {
        case SystemRoute::ListFunctions: co_await list_functions(ts, ex); break;
        case SystemRoute::Proxy: co_await proxy(ts, ex); break;
        case SystemRoute::Info: co_await info(ts, ex); break;
        case SystemRoute::Logs: co_await handle_logs(ts, ex); break;
        case SystemRoute::Alert: co_await handle_alert(ts, ex); break;
        case SystemRoute::AsyncCall: co_await handle_async_call(ts, ex); break;
        case SystemRoute::Queues: co_await handle_queues(ts, ex); break;
        case SystemRoute::DeadLetters: co_await handle_dead_letters(ts, ex); break;
        case SystemRoute::Redrive: co_await handle_redrive(ts, ex); break;
        case SystemRoute::MethodNotAllowed:
            co_await answer(ex, http::text_error(405, "Method Not Allowed"));
            break;
        case SystemRoute::NotFound:
            co_await answer(ex, http::text_error(404, "404 page not found"));
            break;
    }
}

awaitable<void> handle_healthz(ThreadState& ts, http::Exchange& ex) {
    if (ex.method() != "GET" && ex.method() != "HEAD") {
        co_await answer(ex, http::text_error(405, "Method Not Allowed"));
        co_return;
    }
    auto r = co_await ts.provider_call("GET", "/healthz", "", std::chrono::seconds(5));
    if (!r) {
        co_await answer(ex, http::text_error(503, "provider unreachable: " + r.error().what()));
        co_return;
    }
    http::Response res;
    res.status = r->status;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = r->body.empty() && r->status == 200 ? std::string("OK") : std::move(r->body);
    co_await answer(ex, std::move(res));
}

}  // namespace faas::gateway
