// /system/* (openfaas-compat.md §1.2, §1.6, §1.7): proxied to the provider with the gateway's
// credentials, except the function list (invocation counts added), /system/info (wrapped) and
// /system/logs (logs.cpp). Plus /healthz on the public port.
#include <algorithm>
#include <array>
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

awaitable<void> answer_error(http::Exchange& ex, int status, const std::string& message) {
    http::Response res = http::text_error(status, message);
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
    const int status = e.code == errc::timeout ? 504 : 502;
    return http::text_error(status, "error calling the provider: " + e.what());
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
        http::Response res = r.error().code == errc::body_too_large
                                 ? http::text_error(413, "request body too large")
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
        co_await answer_error(ex, 502, message);
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

// How a rule's path matches: the whole path, the path as a prefix, or a prefix followed by a
// non-empty rest (a name).
enum class Match { Exact, Prefix, Named };

struct SystemRule {
    std::string_view path;
    Match match;
    std::string_view methods;  // space-separated; "" for any
    SystemRoute route;
};

// The /system/* routes (openfaas-compat.md §1.2) in match order. A path some rule matches whose
// methods do not include the request's is 405.
constexpr std::array kSystemRules{
    // The provider's route for the gateway's own webhook verification: never proxied.
    SystemRule{"/system/function-webhook-secret", Match::Prefix, "", SystemRoute::NotFound},
    SystemRule{"/system/functions", Match::Exact, "GET", SystemRoute::ListFunctions},
    SystemRule{"/system/functions", Match::Exact, "POST PUT DELETE", SystemRoute::Proxy},
    SystemRule{"/system/function/", Match::Named, "GET", SystemRoute::Proxy},
    SystemRule{"/system/scale-function/", Match::Named, "POST", SystemRoute::Proxy},
    SystemRule{"/system/secrets", Match::Exact, "GET PUT POST DELETE", SystemRoute::Proxy},
    SystemRule{"/system/logs", Match::Exact, "GET", SystemRoute::Logs},
    SystemRule{"/system/namespaces", Match::Exact, "GET", SystemRoute::Proxy},
    SystemRule{"/system/namespace/", Match::Prefix, "GET POST PUT DELETE", SystemRoute::Proxy},
    SystemRule{"/system/info", Match::Exact, "GET", SystemRoute::Info},
    SystemRule{"/system/alert", Match::Exact, "POST", SystemRoute::Alert},
    SystemRule{"/system/async-calls/", Match::Named, "GET", SystemRoute::AsyncCall},
    SystemRule{"/system/queues", Match::Exact, "GET", SystemRoute::Queues},
    SystemRule{"/system/async-dead-letters", Match::Exact, "GET", SystemRoute::DeadLetters},
    SystemRule{"/system/async-dead-letters/redrive", Match::Exact, "POST", SystemRoute::Redrive},
    SystemRule{"/system/telemetry", Match::Exact, "GET", SystemRoute::Proxy},
};

bool path_matches(const SystemRule& rule, std::string_view path) {
    switch (rule.match) {
        case Match::Exact:
            return path == rule.path;
        case Match::Prefix:
            return path.starts_with(rule.path);
        case Match::Named:
            return path.starts_with(rule.path) && path.size() > rule.path.size();
    }
    return false;
}

bool method_allowed(std::string_view methods, std::string_view method) {
    if (methods.empty()) {
        return true;
    }
    while (!methods.empty()) {
        const std::size_t end = std::min(methods.find(' '), methods.size());
        if (methods.substr(0, end) == method) {
            return true;
        }
        methods.remove_prefix(std::min(end + 1, methods.size()));
    }
    return false;
}

}  // namespace

SystemRoute classify_system(std::string_view path, std::string_view method) {
    bool path_known = false;
    for (const SystemRule& rule : kSystemRules) {
        if (!path_matches(rule, path)) {
            continue;
        }
        if (method_allowed(rule.methods, method)) {
            return rule.route;
        }
        path_known = true;
    }
    return path_known ? SystemRoute::MethodNotAllowed : SystemRoute::NotFound;
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
        case SystemRoute::MethodNotAllowed: {
            const std::string message = "Method Not Allowed";
            co_await answer_error(ex, 405, message);
            break;
        }
        case SystemRoute::NotFound: {
            const std::string message = "404 page not found";
            co_await answer_error(ex, 404, message);
            break;
        }
    }
}

awaitable<void> handle_healthz(ThreadState& ts, http::Exchange& ex) {
    if (ex.method() != "GET" && ex.method() != "HEAD") {
        const std::string message = "Method Not Allowed";
        co_await answer_error(ex, 405, message);
        co_return;
    }
    std::string target = "/healthz";
    auto r = co_await ts.provider.get(std::move(target), std::chrono::seconds(5));
    if (!r) {
        const std::string message = "provider unreachable: " + r.error().what();
        co_await answer_error(ex, 503, message);
        co_return;
    }
    http::Response res;
    res.status = r->status;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = r->body.empty() && r->status == 200 ? std::string("OK") : std::move(r->body);
    co_await answer(ex, std::move(res));
}

}  // namespace faas::gateway
