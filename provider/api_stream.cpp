// Streaming routes of the provider API (docs/wire-contract.md): function proxy §2.3, logs §2.4.
#include <charconv>
#include <chrono>

#include "core/config/env.hpp"
#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "provider/api.hpp"
#include "provider/query.hpp"

namespace faas::provider {

using namespace std::chrono_literals;

namespace {

// An error the proxy itself answers, marked so as the OpenFaaS provider marks it.
http::Response proxy_error(errc code, std::string message) {
    http::Response r = http::error_response(make_error(code, std::move(message)));
    r.headers.set("X-OpenFaaS-Internal", "proxy");
    return r;
}

// One NDJSON line of GET /system/logs: {name,namespace,instance,timestamp,text} and "\n".
std::string log_line_json(const LogLine& l) {
    json::Writer w;
    w.begin_object();
    w.key("name").value(l.name);
    w.key("namespace").value(l.namespace_);
    w.key("instance").value(l.instance);
    w.key("timestamp").value(l.timestamp);
    w.key("text").value(l.text);
    w.end_object();
    std::string out = std::move(w).str();
    out.push_back('\n');
    return out;
}

// Writes a back end's log lines to the client as a chunked NDJSON answer.
class NdjsonSink final : public LogSink {
public:
    explicit NdjsonSink(http::Exchange& ex) : ex_(ex) {}

    awaitable<bool> open() override {
        http::Headers headers{{"Content-Type", "application/x-ndjson"}};
        opened_ = true;
        client_gone_ = !co_await ex_.begin_response(200, headers, std::nullopt);
        co_return !client_gone_;
    }

    awaitable<bool> write(const LogLine& line) override {
        line_ = log_line_json(line);
        client_gone_ = !(co_await ex_.write_body(line_)).ok();
        co_return !client_gone_;
    }

    bool opened() const noexcept { return opened_; }
    bool client_gone() const noexcept { return client_gone_; }

private:
    http::Exchange& ex_;
    std::string line_;  // the line being written
    bool opened_ = false;
    bool client_gone_ = false;
};

// Answers GET /system/logs from the back end's lines: NDJSON once the function is known, else
// the back end's error (404 unknown function, 503 unreachable back end).
awaitable<void> answer_logs(FunctionBackend& backend, const log::Logger& logger,
                            http::Exchange& ex, const LogRequest& req) {
    NdjsonSink sink(ex);
    const Status st = co_await backend.logs(req, sink);
    if (!sink.opened()) {
        http::Response r = http::error_response(st.error());
        co_await http::send(ex, std::move(r));
        co_return;
    }
    if (!st) {
        logger->debug("logs ended early fn={} namespace={} error=\"{}\"", req.name,
                      req.namespace_, st.error().what());
    }
    if (!sink.client_gone()) {
        (void)co_await ex.end_response();
    }
}

// How the proxy forwards a call to a replica: the path after the function's name with the
// query, and X-Forwarded-Host/-For when the caller did not set them.
http::ForwardOptions forward_options(const http::Exchange& ex,
                                     const std::string& tail,
                                     std::chrono::nanoseconds timeout) {
    http::ForwardOptions opts;
    opts.target = tail;
    if (!ex.query().empty()) {
        opts.target += "?";
        opts.target += ex.query();
    }
    opts.timeout = timeout;
    if (!ex.header("X-Forwarded-Host")) {
        opts.request_headers.set("X-Forwarded-Host", ex.header("Host").value_or(""));
    }
    if (!ex.header("X-Forwarded-For")) {
        const std::string& addr = ex.remote_address();
        opts.request_headers.set("X-Forwarded-For", addr.substr(0, addr.rfind(':')));
    }
    return opts;
}

}  // namespace

awaitable<void> Api::proxy(Thread& t, http::Exchange& ex, std::string_view rest) {
    const auto slash = rest.find('/');
    const std::string full(rest.substr(0, slash));
    const std::string tail =
        slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (full.empty() || !openfaas::valid_route_name(full)) {
        http::Response r = http::error_response(
            make_error(errc::bad_request, "Provide a valid function name in the path"));
        co_await http::send(ex, std::move(r));
        co_return;
    }
    const auto qn = openfaas::split_name(full, config_.default_namespace);
    const std::string name = qn.name;
    const std::string ns = qn.namespace_;
    if (ns == "kube-system") {
        http::Response r =
            proxy_error(errc::unavailable, "No endpoints available for: " + full + ".");
        co_await http::send(ex, std::move(r));
        co_return;
    }
    const http::ForwardOptions opts =
        forward_options(ex, tail, std::max(config_.read_timeout, config_.write_timeout));
    // A replica that refuses the connection received nothing: try another one once.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto job = [this, name, ns]() -> awaitable<std::optional<http::Endpoint>> {
                co_return backend_.pick(ns, name);
            };
        auto ep = co_await asio::co_spawn(control_, std::move(job), use_awaitable);
        if (!ep) {
            http::Response r =
                proxy_error(errc::unavailable, "No endpoints available for: " + name + ".");
            co_await http::send(ex, std::move(r));
            co_return;
        }
        auto res = co_await t.client.forward(ex, *ep, opts);
        if (res) {
            co_return;
        }
        if (ex.response_started()) {
            co_return;
        }
        if (res.error().code == errc::connect_failed && attempt == 0) {
            continue;
        }
        if (res.error().code == errc::body_too_large) {
            http::Response r = http::error_response(res.error());
            co_await http::send(ex, std::move(r));
            co_return;
        }
        log_->warn("proxy failed fn={} namespace={} call_id={} error=\"{}\"", name, ns,
                   ex.header("X-Call-Id").value_or(""), res.error().what());
        http::Response r = proxy_error(errc::internal, "Can't reach service for: " + name + ".");
        co_await http::send(ex, std::move(r));
        co_return;
    }
}

awaitable<void> Api::logs(Thread& /*t*/, http::Exchange& ex) {
    if (ex.method() != "GET") {
        http::Response r = http::method_not_allowed_response();
        co_await http::send(ex, std::move(r));
        co_return;
    }
    const auto q = parse_query(ex.query());
    const std::string name = query_value(q, "name");
    std::string ns = query_value(q, "namespace");
    if (name.empty()) {
        http::Response r = http::text_error(422, "name is required");
        co_await http::send(ex, std::move(r));
        co_return;
    }
    LogQuery lq;
    lq.instance = query_value(q, "instance");
    if (auto tail = query_value(q, "tail"); !tail.empty()) {
        auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), lq.tail);
        if (ec != std::errc() || p != tail.data() + tail.size()) {
            http::Response r = http::text_error(422, "tail: expected an integer");
            co_await http::send(ex, std::move(r));
            co_return;
        }
    }
    bool follow = false;
    if (auto f = query_value(q, "follow"); !f.empty()) {
        auto b = config::parse_go_bool(f);
        if (!b) {
            http::Response r = http::text_error(422, "follow: expected a boolean");
            co_await http::send(ex, std::move(r));
            co_return;
        }
        follow = *b;
    }
    if (auto since = query_value(q, "since"); !since.empty()) {
        lq.since = parse_rfc3339(since);
        if (!lq.since) {
            http::Response r = http::text_error(422, "since: expected an RFC 3339 time");
            co_await http::send(ex, std::move(r));
            co_return;
        }
    }
    if (ns.empty()) {
        ns = config_.default_namespace;
    }
    LogRequest req;
    req.name = name;
    req.namespace_ = ns;
    req.query = std::move(lq);
    req.follow = follow;
    co_await answer_logs(backend_, log_, ex, req);
}

}  // namespace faas::provider
