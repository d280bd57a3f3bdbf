// The /system/* routes of the provider API (openfaas-compat.md §2.1, docs/contracts.md).
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

http::Response error_response(const Error& e) {
    return http::text_error(http_status(e.code), e.what());
}

http::Response json_response(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

http::Response done(const Status& st, int success) {
    return st ? empty(success) : error_response(st.error());
}

http::Response method_not_allowed() { return http::text_error(405, "Method Not Allowed"); }

// Namespace rule (§2.1): query parameter if non-empty, else the body's field, else default.
std::string pick_namespace(const std::string& query_ns, const std::string& body_ns,
                           const std::string& fallback) {
    if (!query_ns.empty()) {
        return query_ns;
    }
    return body_ns.empty() ? fallback : body_ns;
}

}  // namespace

awaitable<void> Api::system(Thread& t, http::Exchange& ex, std::string_view path,
                            std::string& route_label) {
    const std::string method(ex.method());
    if (path == "/system/functions") {
        route_label = "/system/functions";
        co_await functions(ex);
        co_return;
    }
    if (path.starts_with("/system/function/")) {
        route_label = "/system/function/{name}";
        if (method != "GET") {
            (void)co_await ex.respond(method_not_allowed());
            co_return;
        }
        const auto q = parse_query(ex.query());
        std::string name(path.substr(17));
        std::string ns = query_value(q, "namespace");
        auto job = [this, name, ns]() -> awaitable<http::Response> {
            const std::string n = ns.empty() ? backend_.default_namespace() : ns;
            auto s = co_await backend_.status(n, name);
            if (!s) {
                co_return s.error().code == errc::not_found ? empty(404) : error_response(s.error());
            }
            co_return json_response(200, openfaas::to_json(*s));
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (path.starts_with("/system/function-webhook-secret/")) {
        // Ours, for the gateway's webhook verification only: its public /system proxy does not
        // forward this path.
        route_label = "/system/function-webhook-secret/{name}";
        if (method != "GET") {
            (void)co_await ex.respond(method_not_allowed());
            co_return;
        }
        std::string name(path.substr(32));
        std::string ns = query_value(parse_query(ex.query()), "namespace");
        auto job = [this, name, ns]() -> awaitable<http::Response> {
            const std::string n = ns.empty() ? backend_.default_namespace() : ns;
            auto secret = co_await backend_.webhook_secret(n, name);
            if (!secret) {
                co_return error_response(secret.error());
            }
            http::Response r;
            r.headers.set("Content-Type", "application/octet-stream");
            r.body = std::move(secret).value();
            co_return r;
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (path.starts_with("/system/scale-function/")) {
        route_label = "/system/scale-function/{name}";
        if (method != "POST") {
            (void)co_await ex.respond(method_not_allowed());
            co_return;
        }
        auto b = co_await body(ex);
        if (!b) {
            co_return;
        }
        auto req = openfaas::parse_scale(*b);
        if (!req) {
            (void)co_await ex.respond(error_response(req.error()));
            co_return;
        }
        std::string name(path.substr(23));
        if (name.empty()) {
            name = req->service_name;
        }
        const std::string qns = query_value(parse_query(ex.query()), "namespace");
        const std::string bns = req->namespace_;
        const std::uint64_t replicas = req->replicas;
        auto job = [this, name, qns, bns, replicas]() -> awaitable<http::Response> {
            const std::string ns = pick_namespace(qns, bns, backend_.default_namespace());
            const Status st = co_await backend_.scale(ns, name, replicas);
            co_return done(st, 202);
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (path == "/system/secrets") {
        route_label = "/system/secrets";
        co_await secrets(ex);
        co_return;
    }
    if (path == "/system/namespaces") {
        route_label = "/system/namespaces";
        if (method != "GET") {
            (void)co_await ex.respond(method_not_allowed());
            co_return;
        }
        auto job = [this]() -> awaitable<http::Response> {
            const auto names = co_await backend_.namespaces();
            co_return json_response(200, openfaas::to_json(names));
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (path.starts_with("/system/namespace/")) {
        route_label = "/system/namespace/{ns}";
        co_await namespace_route(ex, std::string(path.substr(18)));
        co_return;
    }
    if (path == "/system/info") {
        route_label = "/system/info";
        if (method != "GET") {
            (void)co_await ex.respond(method_not_allowed());
            co_return;
        }
        openfaas::ProviderInfo info;
        info.provider = backend_.provider_name();
        info.orchestration = backend_.orchestration();
        info.sha = FAAS_GIT_SHA;
        info.release = FAAS_VERSION;
        (void)co_await ex.respond(json_response(200, openfaas::to_json(info)));
        co_return;
    }
    if (path == "/system/endpoints") {
        route_label = "/system/endpoints";
        co_await endpoints(ex);
        co_return;
    }
    if (path == "/system/logs") {
        route_label = "/system/logs";
        co_await logs(t, ex);
        co_return;
    }
    (void)co_await ex.respond(http::text_error(404, "404 page not found"));
}

awaitable<void> Api::functions(http::Exchange& ex) {
    const std::string method(ex.method());
    const std::string qns = query_value(parse_query(ex.query()), "namespace");
    if (method == "GET") {
        auto job = [this, qns]() -> awaitable<http::Response> {
            const std::string ns = qns.empty() ? backend_.default_namespace() : qns;
            auto list = co_await backend_.list(ns);
            if (!list) {
                co_return error_response(list.error());
            }
            co_return json_response(200, openfaas::to_json(*list));
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (method != "POST" && method != "PUT" && method != "DELETE") {
        (void)co_await ex.respond(method_not_allowed());
        co_return;
    }
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    http::Response r;
    if (method == "DELETE") {
        auto req = openfaas::parse_delete(*b);
        if (!req) {
            (void)co_await ex.respond(error_response(req.error()));
            co_return;
        }
        if (req->function_name.empty()) {
            (void)co_await ex.respond(http::text_error(400, "functionName is required"));
            co_return;
        }
        const std::string name = req->function_name;
        const std::string bns = req->namespace_;
        auto job = [this, name, qns, bns]() -> awaitable<http::Response> {
            const std::string ns = pick_namespace(qns, bns, backend_.default_namespace());
            const Status st = co_await backend_.remove(ns, name);
            co_return done(st, 202);
        };
        r = co_await on_control(std::move(job));
    } else {
        auto dep = openfaas::parse_deployment(*b);
        if (!dep) {
            (void)co_await ex.respond(error_response(dep.error()));
            co_return;
        }
        openfaas::FunctionDeployment d = std::move(dep).value();
        if (!qns.empty() && d.namespace_.empty()) {
            d.namespace_ = qns;
        }
        if (auto st = validate_deployment(d, config_.default_namespace); !st) {
            http::Response invalid = error_response(st.error());
            (void)co_await ex.respond(std::move(invalid));
            co_return;
        }
        const bool create = method == "POST";
        auto job = [this, d = std::move(d), create]() -> awaitable<http::Response> {
            // Not a ?: of two co_awaits: g++ 12 miscompiles that.
            if (create) {
                const Status st = co_await backend_.deploy(d);
                co_return done(st, 202);
            }
            const Status st = co_await backend_.update(d);
            co_return done(st, 202);
        };
        r = co_await on_control(std::move(job));
    }
    (void)co_await ex.respond(std::move(r));
}

awaitable<void> Api::secrets(http::Exchange& ex) {
    const std::string method(ex.method());
    const std::string qns = query_value(parse_query(ex.query()), "namespace");
    if (method == "GET") {
        auto job = [this, qns]() -> awaitable<http::Response> {
            const std::string ns = qns.empty() ? backend_.default_namespace() : qns;
            auto list = co_await backend_.list_secrets(ns);
            if (!list) {
                co_return error_response(list.error());
            }
            co_return json_response(200, openfaas::to_json(*list));
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (method != "POST" && method != "PUT" && method != "DELETE") {
        (void)co_await ex.respond(method_not_allowed());
        co_return;
    }
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto sec = openfaas::parse_secret(*b);
    if (!sec) {
        (void)co_await ex.respond(error_response(sec.error()));
        co_return;
    }
    openfaas::Secret s = std::move(sec).value();
    if (method != "DELETE") {
        if (auto st = validate_secret(s); !st) {
            http::Response invalid = error_response(st.error());
            (void)co_await ex.respond(std::move(invalid));
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
    http::Response r = co_await on_control(std::move(job));
    (void)co_await ex.respond(std::move(r));
}

awaitable<void> Api::namespace_route(http::Exchange& ex, std::string name) {
    const std::string method(ex.method());
    if (method == "GET") {
        auto job = [this, name]() -> awaitable<http::Response> {
            auto ns = co_await backend_.get_namespace(name);
            if (!ns) {
                co_return error_response(ns.error());
            }
            co_return json_response(200, openfaas::to_json(*ns));
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (method == "DELETE") {
        auto job = [this, name]() -> awaitable<http::Response> {
            const Status st = co_await backend_.delete_namespace(name);
            co_return done(st, 202);
        };
        http::Response r = co_await on_control(std::move(job));
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (method != "POST" && method != "PUT") {
        (void)co_await ex.respond(method_not_allowed());
        co_return;
    }
    auto b = co_await body(ex);
    if (!b) {
        co_return;
    }
    auto parsed = openfaas::parse_namespace(*b);
    if (!parsed) {
        (void)co_await ex.respond(error_response(parsed.error()));
        co_return;
    }
    openfaas::FunctionNamespace ns = std::move(parsed).value();
    if (ns.name.empty()) {
        ns.name = name;
    }
    if (ns.name != name) {
        (void)co_await ex.respond(
            http::text_error(400, "namespace name in the body does not match the path"));
        co_return;
    }
    const bool create = method == "POST";
    auto job = [this, ns = std::move(ns), create]() -> awaitable<http::Response> {
        if (create) {
            const Status st = co_await backend_.create_namespace(ns);
            co_return done(st, 201);
        }
        const Status st = co_await backend_.update_namespace(ns);
        co_return done(st, 202);
    };
    http::Response r = co_await on_control(std::move(job));
    (void)co_await ex.respond(std::move(r));
}

awaitable<void> Api::endpoints(http::Exchange& ex) {
    if (ex.method() != "GET") {
        (void)co_await ex.respond(method_not_allowed());
        co_return;
    }
    const auto q = parse_query(ex.query());
    std::optional<std::uint64_t> since;
    if (auto s = query_value(q, "since"); !s.empty()) {
        const auto v = text::parse_uint(s);
        if (!v) {
            (void)co_await ex.respond(
                http::text_error(400, "since: expected a generation number, got \"" + s + "\""));
            co_return;
        }
        since = *v;
    }
    std::chrono::nanoseconds wait = 30s;
    if (auto w = query_value(q, "wait"); !w.empty()) {
        auto d = config::parse_go_duration(w);
        if (!d) {
            (void)co_await ex.respond(
                http::text_error(400, "wait: expected a duration such as 30s, got \"" + w + "\""));
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
    http::Response r = co_await asio::co_spawn(control_, std::move(job), use_awaitable);
    (void)co_await ex.respond(std::move(r));
}

}  // namespace faas::provider
