// The route table of the provider API and its /system/* routes (docs/wire-contract.md §2.1,
// docs/contracts.md).
#include <chrono>

#include "core/config/env.hpp"
#include "core/text/text.hpp"
#include "provider/api.hpp"
#include "provider/deployment.hpp"
#include "provider/query.hpp"

#ifndef FAAS_VERSION
#define FAAS_VERSION "unknown"
#endif
#ifndef FAAS_GIT_SHA
#define FAAS_GIT_SHA "unknown"
#endif

namespace faas::provider {

using namespace std::chrono_literals;

namespace {

http::Response empty(int status) {
    http::Response r;
    r.status = status;
    return r;
}

http::Response json_response(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

http::Response done(const Status& st, int success) {
    return st ? empty(success) : http::error_response(st.error());
}

// Namespace rule (§2.1): query parameter if non-empty, else the body's field, else default.
std::string pick_namespace(const std::string& query_ns, const std::string& body_ns,
                           const std::string& fallback) {
    if (!query_ns.empty()) {
        return query_ns;
    }
    return body_ns.empty() ? fallback : body_ns;
}

std::string namespace_query(const http::Exchange& ex) {
    return query_value(parse_query(ex.query()), "namespace");
}

}  // namespace

http::Router<Api::Route> Api::routes() {
    using Plain = awaitable<void> (Api::*)(http::Exchange&);
    using Named = awaitable<void> (Api::*)(http::Exchange&, std::string);
    const auto plain = [this](Plain handler) -> Route {
        return [this, handler](Thread&, http::Exchange& ex, const http::Params&) {
            return (this->*handler)(ex);
        };
    };
    // The capture `param`, whole: the back end answers a name it does not know.
    const auto named = [this](Named handler, std::string_view param) -> Route {
        return [this, handler, param](Thread&, http::Exchange& ex, const http::Params& p) {
            return (this->*handler)(ex, std::string(p.get(param)));
        };
    };
    const Route proxy_route = [this](Thread& t, http::Exchange& ex, const http::Params& p) {
        return proxy(t, ex, p.get("rest"));
    };
    const Route logs_route = [this](Thread& t, http::Exchange& ex, const http::Params&) {
        return logs(t, ex);
    };
    http::Router<Route> r;
    r.add({"GET", "HEAD"}, "/healthz", plain(&Api::admin))
        .add({}, "/metrics", plain(&Api::admin))
        .add({}, "/function", proxy_route, "/function/{name}")
        .add({}, "/function/{rest...}", proxy_route, "/function/{name}")
        .add({"GET"}, "/system/functions", plain(&Api::list_functions))
        .add({"POST", "PUT"}, "/system/functions", plain(&Api::deploy_function))
        .add({"DELETE"}, "/system/functions", plain(&Api::remove_function))
        .add({"GET"}, "/system/function/{name...}", named(&Api::function_status, "name"),
             "/system/function/{name}")
        // Ours, for the gateway's webhook verification only: its public /system proxy does not
        // forward this path.
        .add({"GET"}, "/system/function-webhook-secret/{name...}",
             named(&Api::webhook_secret, "name"), "/system/function-webhook-secret/{name}")
        .add({"POST"}, "/system/scale-function/{name...}", named(&Api::scale, "name"),
             "/system/scale-function/{name}")
        .add({"GET", "POST", "PUT", "DELETE"}, "/system/secrets", plain(&Api::secrets))
        .add({"GET"}, "/system/namespaces", plain(&Api::namespaces))
        .add({"GET"}, "/system/namespace/{ns...}", named(&Api::get_namespace, "ns"),
             "/system/namespace/{ns}")
        .add({"DELETE"}, "/system/namespace/{ns...}", named(&Api::delete_namespace, "ns"),
             "/system/namespace/{ns}")
        .add({"POST", "PUT"}, "/system/namespace/{ns...}", named(&Api::change_namespace, "ns"),
             "/system/namespace/{ns}")
        .add({"GET"}, "/system/info", plain(&Api::info))
        .add({"GET"}, "/system/endpoints", plain(&Api::endpoints))
        // logs() answers other methods itself.
        .add({}, "/system/logs", logs_route);
    return r;
}

awaitable<void> Api::function_status(http::Exchange& ex, std::string name) {
    std::string ns = namespace_query(ex);
    auto job = [this, name, ns]() -> awaitable<http::Response> {
        const std::string n = ns.empty() ? backend_.default_namespace() : ns;
        auto s = co_await backend_.status(n, name);
        if (!s) {
            co_return s.error().code == errc::not_found ? empty(404)
                                                        : http::error_response(s.error());
        }
        co_return json_response(200, openfaas::to_json(*s));
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::webhook_secret(http::Exchange& ex, std::string name) {
    std::string ns = namespace_query(ex);
    auto job = [this, name, ns]() -> awaitable<http::Response> {
        const std::string n = ns.empty() ? backend_.default_namespace() : ns;
        auto secret = co_await backend_.webhook_secret(n, name);
        if (!secret) {
            co_return http::error_response(secret.error());
        }
        http::Response r;
        r.headers.set("Content-Type", "application/octet-stream");
        r.body = std::move(secret).value();
        co_return r;
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::scale(http::Exchange& ex, std::string name) {
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto req = openfaas::parse_scale(*b);
    if (!req) {
        http::Response r = http::error_response(req.error());
        co_await http::send(ex, std::move(r));
        co_return;
    }
    if (name.empty()) {
        name = req->service_name;
    }
    const std::string qns = namespace_query(ex);
    const std::string bns = req->namespace_;
    const std::uint64_t replicas = req->replicas;
    auto job = [this, name, qns, bns, replicas]() -> awaitable<http::Response> {
        const std::string ns = pick_namespace(qns, bns, backend_.default_namespace());
        const Status st = co_await backend_.scale(ns, name, replicas);
        co_return done(st, 202);
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::namespaces(http::Exchange& ex) {
    auto job = [this]() -> awaitable<http::Response> {
        const auto names = co_await backend_.namespaces();
        co_return json_response(200, openfaas::to_json(names));
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::info(http::Exchange& ex) {
    openfaas::ProviderInfo info;
    info.provider = backend_.provider_name();
    info.orchestration = backend_.orchestration();
    info.sha = FAAS_GIT_SHA;
    info.release = FAAS_VERSION;
    http::Response r = json_response(200, openfaas::to_json(info));
    co_await http::send(ex, std::move(r));
}

awaitable<void> Api::list_functions(http::Exchange& ex) {
    const std::string qns = namespace_query(ex);
    auto job = [this, qns]() -> awaitable<http::Response> {
        const std::string ns = qns.empty() ? backend_.default_namespace() : qns;
        auto list = co_await backend_.list(ns);
        if (!list) {
            co_return http::error_response(list.error());
        }
        co_return json_response(200, openfaas::to_json(*list));
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::remove_function(http::Exchange& ex) {
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto req = openfaas::parse_delete(*b);
    if (!req) {
        http::Response r = http::error_response(req.error());
        co_await http::send(ex, std::move(r));
        co_return;
    }
    if (req->function_name.empty()) {
        http::Response r =
            http::error_response(make_error(errc::bad_request, "functionName is required"));
        co_await http::send(ex, std::move(r));
        co_return;
    }
    const std::string qns = namespace_query(ex);
    const std::string name = req->function_name;
    const std::string bns = req->namespace_;
    auto job = [this, name, qns, bns]() -> awaitable<http::Response> {
        const std::string ns = pick_namespace(qns, bns, backend_.default_namespace());
        const Status st = co_await backend_.remove(ns, name);
        co_return done(st, 202);
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::deploy_function(http::Exchange& ex) {
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto dep = openfaas::parse_deployment(*b);
    if (!dep) {
        http::Response r = http::error_response(dep.error());
        co_await http::send(ex, std::move(r));
        co_return;
    }
    openfaas::FunctionDeployment d = std::move(dep).value();
    if (const std::string qns = namespace_query(ex); !qns.empty() && d.namespace_.empty()) {
        d.namespace_ = qns;
    }
    // Checked once here, before any back end sees it (provider/deployment.hpp).
    if (auto st = validate_deployment(d, config_.default_namespace); !st) {
        http::Response invalid = http::error_response(st.error());
        co_await http::send(ex, std::move(invalid));
        co_return;
    }
    const bool create = ex.method() == "POST";
    auto job = [this, d = std::move(d), create]() -> awaitable<http::Response> {
        // Not a ?: of two co_awaits: g++ 12 miscompiles that.
        if (create) {
            const Status st = co_await backend_.deploy(d);
            co_return done(st, 202);
        }
        const Status st = co_await backend_.update(d);
        co_return done(st, 202);
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::secrets(http::Exchange& ex) {
    const std::string method(ex.method());
    const std::string qns = namespace_query(ex);
    if (method == "GET") {
        auto job = [this, qns]() -> awaitable<http::Response> {
            const std::string ns = qns.empty() ? backend_.default_namespace() : qns;
            auto list = co_await backend_.list_secrets(ns);
            if (!list) {
                co_return http::error_response(list.error());
            }
            co_return json_response(200, openfaas::to_json(*list));
        };
        co_await answer_on_control(ex, std::move(job));
        co_return;
    }
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto sec = openfaas::parse_secret(*b);
    if (!sec) {
        http::Response r = http::error_response(sec.error());
        co_await http::send(ex, std::move(r));
        co_return;
    }
    openfaas::Secret s = std::move(sec).value();
    if (method != "DELETE") {
        if (auto st = validate_secret(s); !st) {
            http::Response invalid = http::error_response(st.error());
            co_await http::send(ex, std::move(invalid));
            co_return;
        }
    }
    auto job = [this, s = std::move(s), qns, method]() mutable -> awaitable<http::Response> {
        s.namespace_ = pick_namespace(qns, s.namespace_, backend_.default_namespace());
        if (method == "POST") {
            const Status st = co_await backend_.create_secret(s);
            co_return done(st, 202);
        }
        if (method == "PUT") {
            const Status st = co_await backend_.update_secret(s);
            co_return done(st, 202);
        }
        // 200, never 204: faas-cli treats 204 as a failure.
        const Status st = co_await backend_.delete_secret(s.namespace_, s.name);
        co_return done(st, 200);
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::get_namespace(http::Exchange& ex, std::string name) {
    auto job = [this, name]() -> awaitable<http::Response> {
        auto ns = co_await backend_.get_namespace(name);
        if (!ns) {
            co_return http::error_response(ns.error());
        }
        co_return json_response(200, openfaas::to_json(*ns));
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::delete_namespace(http::Exchange& ex, std::string name) {
    auto job = [this, name]() -> awaitable<http::Response> {
        const Status st = co_await backend_.delete_namespace(name);
        co_return done(st, 202);
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::change_namespace(http::Exchange& ex, std::string name) {
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto parsed = openfaas::parse_namespace(*b);
    if (!parsed) {
        http::Response r = http::error_response(parsed.error());
        co_await http::send(ex, std::move(r));
        co_return;
    }
    openfaas::FunctionNamespace ns = std::move(parsed).value();
    if (ns.name.empty()) {
        ns.name = name;
    }
    if (ns.name != name) {
        http::Response r = http::error_response(
            make_error(errc::bad_request, "namespace name in the body does not match the path"));
        co_await http::send(ex, std::move(r));
        co_return;
    }
    const bool create = ex.method() == "POST";
    auto job = [this, ns = std::move(ns), create]() -> awaitable<http::Response> {
        if (create) {
            const Status st = co_await backend_.create_namespace(ns);
            co_return done(st, 201);
        }
        const Status st = co_await backend_.update_namespace(ns);
        co_return done(st, 202);
    };
    co_await answer_on_control(ex, std::move(job));
}

awaitable<void> Api::endpoints(http::Exchange& ex) {
    const auto q = parse_query(ex.query());
    std::optional<std::uint64_t> since;
    if (auto s = query_value(q, "since"); !s.empty()) {
        const auto v = text::parse_uint(s);
        if (!v) {
            http::Response r = http::error_response(make_error(
                errc::bad_request, "since: expected a generation number, got \"" + s + "\""));
            co_await http::send(ex, std::move(r));
            co_return;
        }
        since = *v;
    }
    std::chrono::nanoseconds wait = 30s;
    if (auto w = query_value(q, "wait"); !w.empty()) {
        auto d = config::parse_go_duration(w);
        if (!d) {
            http::Response r = http::error_response(make_error(
                errc::bad_request, "wait: expected a duration such as 30s, got \"" + w + "\""));
            co_await http::send(ex, std::move(r));
            co_return;
        }
        wait = std::min<std::chrono::nanoseconds>(*d, 60s);
    }
    auto job = [this, since, wait]() -> awaitable<http::Response> {
        if (since) {
            co_await backend_.board().wait_change(*since, wait);
        }
        co_return json_response(200, backend_.board().json());
    };
    co_await answer_on_control(ex, std::move(job));
}

}  // namespace faas::provider
