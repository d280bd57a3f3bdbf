// /system/* (docs/wire-contract.md §1.2, §1.6, §1.7): proxied to the provider with the gateway's
// credentials, except the function list (invocation counts added), /system/info (wrapped) and
// /system/logs (logs.cpp). Plus /healthz on the public port.
#include <string>
#include <string_view>

#include "core/http/respond.hpp"
#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

awaitable<void> answer(http::Exchange& ex, http::Response res) {
    if (!ex.body_done()) {
        ex.close_connection();  // the unread request body has nowhere to go
    }
    co_await http::send(ex, std::move(res));
}

awaitable<void> answer_error(http::Exchange& ex, errc code, const std::string& message) {
    http::Response res = http::error_response(make_error(code, message));
    co_await answer(ex, std::move(res));
}

awaitable<void> answer_json(http::Exchange& ex, std::string& body) {
    http::Response res;
    res.headers.set("Content-Type", "application/json");
    res.body = std::move(body);
    co_await answer(ex, std::move(res));
}

namespace {

http::Response provider_error(const Error& e) {
    const errc code = e.code == errc::timeout ? errc::timeout : errc::upstream_failed;
    return http::error_response(make_error(code, "error calling the provider: " + e.what()));
}

// Same method, path, raw query, headers and body to the provider; its answer back unchanged.
awaitable<void> proxy(ThreadState& ts, http::Exchange& ex) {
    const Shared& sh = ts.shared;
    http::ForwardOptions opts;
    opts.timeout = sh.config.upstream_timeout;
    opts.max_request_bytes = sh.config.max_request_size;
    auto r = co_await ts.provider.relay(ex, std::move(opts));
    if (!r && !ex.response_started()) {
        sh.log->warn("provider call failed method={} path={} error=\"{}\"", ex.method(), ex.path(),
                     r.error().what());
        http::Response res =
            r.error().code == errc::body_too_large
                ? http::error_response(make_error(errc::body_too_large, "request body too large"))
                : provider_error(r.error());
        co_await answer(ex, std::move(res));
    }
}

// GET /system/functions: the provider's list with invocationCount from our own counters.
awaitable<void> list_functions(ThreadState& ts, http::Exchange& ex) {
    std::string target(ex.target());
    auto r = co_await ts.provider.get(std::move(target), ts.shared.config.upstream_timeout);
    if (!r) {
        http::Response failed = provider_error(r.error());
        co_await answer(ex, std::move(failed));
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
        const std::string message =
            "the provider's function list is not valid: " + list.error().what();
        co_await answer_error(ex, errc::upstream_failed, message);
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
    std::string target = "/system/info";
    auto r = co_await ts.provider.get(std::move(target), ts.shared.config.upstream_timeout);
    if (!r) {
        http::Response failed = provider_error(r.error());
        co_await answer(ex, std::move(failed));
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

}  // namespace

// The /system/* routes (docs/wire-contract.md §1.2) in match order. "{name}" and
// "{name}/{rest...}" together take any path with something after the prefix, which the provider
// routes on.
SystemRoutes::SystemRoutes() {
    const auto named = [this](std::initializer_list<std::string_view> methods,
                              const std::string& prefix, SystemRoute route) {
        router_.add(methods, prefix + "{name}", route);
        router_.add(methods, prefix + "{name}/{rest...}", route);
    };
    // The provider's route for the gateway's own webhook verification: never proxied.
    router_.add({}, "/system/function-webhook-secret", SystemRoute::NotFound);
    router_.add({}, "/system/function-webhook-secret/{rest...}", SystemRoute::NotFound);
    router_.add({"GET"}, "/system/functions", SystemRoute::ListFunctions);
    router_.add({"POST", "PUT", "DELETE"}, "/system/functions", SystemRoute::Proxy);
    named({"GET"}, "/system/function/", SystemRoute::Proxy);
    named({"POST"}, "/system/scale-function/", SystemRoute::Proxy);
    router_.add({"GET", "PUT", "POST", "DELETE"}, "/system/secrets", SystemRoute::Proxy);
    router_.add({"GET"}, "/system/logs", SystemRoute::Logs);
    router_.add({"GET"}, "/system/namespaces", SystemRoute::Proxy);
    router_.add({"GET", "POST", "PUT", "DELETE"}, "/system/namespace/{rest...}",
                SystemRoute::Proxy);
    router_.add({"GET"}, "/system/info", SystemRoute::Info);
    router_.add({"POST"}, "/system/alert", SystemRoute::Alert);
    named({"GET"}, "/system/async-calls/", SystemRoute::AsyncCall);
    router_.add({"GET"}, "/system/queues", SystemRoute::Queues);
    router_.add({"GET"}, "/system/async-dead-letters", SystemRoute::DeadLetters);
    router_.add({"POST"}, "/system/async-dead-letters/redrive", SystemRoute::Redrive);
    router_.add({"GET"}, "/system/telemetry", SystemRoute::Proxy);
}

SystemRoute SystemRoutes::classify(std::string_view path, std::string_view method) const {
    const auto match = router_.match(method, path);
    switch (match.status) {
        case http::RouteStatus::Found:
            return *match.handler;
        case http::RouteStatus::MethodNotAllowed:
            return SystemRoute::MethodNotAllowed;
        case http::RouteStatus::NotFound:
            break;
    }
    return SystemRoute::NotFound;
}

awaitable<void> handle_system(ThreadState& ts, http::Exchange& ex) {
    switch (ts.shared.system_routes.classify(ex.path(), ex.method())) {
        case SystemRoute::ListFunctions: co_await list_functions(ts, ex); break;
        case SystemRoute::Proxy: co_await proxy(ts, ex); break;
        case SystemRoute::Info: co_await info(ts, ex); break;
        case SystemRoute::Logs: co_await handle_logs(ts, ex); break;
        case SystemRoute::Alert: co_await handle_alert(ts, ex); break;
        case SystemRoute::AsyncCall: co_await handle_async_call(ts, ex); break;
        case SystemRoute::Queues: co_await handle_queues(ts, ex); break;
        case SystemRoute::DeadLetters: co_await handle_dead_letters(ts, ex); break;
        case SystemRoute::Redrive: co_await handle_redrive(ts, ex); break;
        case SystemRoute::MethodNotAllowed: {
            http::Response res = http::method_not_allowed_response();
            co_await answer(ex, std::move(res));
            break;
        }
        case SystemRoute::NotFound: {
            http::Response res = http::not_found_response();
            co_await answer(ex, std::move(res));
            break;
        }
    }
}

awaitable<void> handle_healthz(ThreadState& ts, http::Exchange& ex) {
    if (ex.method() != "GET" && ex.method() != "HEAD") {
        http::Response res = http::method_not_allowed_response();
        co_await answer(ex, std::move(res));
        co_return;
    }
    std::string target = "/healthz";
    auto r = co_await ts.provider.get(std::move(target), std::chrono::seconds(5));
    if (!r) {
        const std::string message = "provider unreachable: " + r.error().what();
        co_await answer_error(ex, errc::unavailable, message);
        co_return;
    }
    http::Response res;
    res.status = r->status;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = r->body.empty() && r->status == 200 ? std::string("OK") : std::move(r->body);
    co_await answer(ex, std::move(res));
}

}  // namespace faas::gateway
