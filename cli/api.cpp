#include "cli/api.hpp"

#include <utility>

#include "core/text/text.hpp"

namespace faas::cli {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);

bool ok_status(int status) {
    return status == 200 || status == 201 || status == 202;
}

awaitable<void> sleep_for(std::chrono::nanoseconds d) {
    // The analyzer does not model coroutine frames: it takes Asio's frame pointer behind
    // this_coro::executor (boost/asio/impl/awaitable.hpp) for uninitialized, which co_spawn sets.
    // NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage)
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
}

std::string with_namespace(std::string target, const std::string& ns) {
    if (!ns.empty()) {
        target += (target.find('?') == std::string::npos ? "?namespace=" : "&namespace=") +
                  url_encode(ns);
    }
    return target;
}

}  // namespace

Result<GatewayConfig> gateway_config(std::string_view url) {
    std::string trimmed(text::trim(url));
    while (trimmed.size() > 1 && trimmed.back() == '/') {
        trimmed.pop_back();
    }
    if (trimmed.rfind("https://", 0) == 0) {
        return make_error(errc::bad_request,
                          "gateway " + trimmed + ": https is not supported, use http://");
    }
    if (trimmed.find("://") == std::string::npos) {
        trimmed = "http://" + trimmed;
    }
    auto parsed = http::parse_url(trimmed);
    if (!parsed) {
        return make_error(errc::bad_request, "gateway: " + parsed.error().what());
    }
    GatewayConfig c;
    c.url = trimmed;
    c.endpoint = parsed->endpoint;
    c.prefix = parsed->path == "/" ? std::string() : parsed->path;
    return c;
}

std::string url_encode(std::string_view s) {
    // RFC 3986's unreserved characters stay as they are.
    constexpr auto kUnreserved = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '~';
    };
    return text::percent_encode(s, kUnreserved);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        out += out.empty() ? "?" : "&";
        out += url_encode(k) + "=" + url_encode(v);
    }
    return out;
}

Error http_failure(std::string_view what, const http::Response& r) {
    std::string msg = std::string(what) + ": " + std::to_string(r.status) + " " +
                      std::string(http::reason(r.status));
    std::string_view body = text::trim(r.body);
    if (const auto nl = body.find('\n'); nl != std::string_view::npos) {
        body = body.substr(0, nl);
    }
    if (!body.empty()) {
        msg += ": " + std::string(body.substr(0, 300));
    }
    errc code = errc::upstream_failed;
    if (r.status == 404) {
        code = errc::not_found;
    } else if (r.status == 409) {
        code = errc::conflict;
    } else if (r.status == 401 || r.status == 403) {
        code = errc::unauthorized;
    } else if (r.status == 400) {
        code = errc::bad_request;
    }
    return make_error(code, std::move(msg));
}

Api::Api(http::ClientPool& pool, GatewayConfig config) : pool_(pool), config_(std::move(config)) {}

http::Request Api::make(std::string method, const std::string& target, bool auth) const {
    http::Request req;
    req.method = std::move(method);
    req.target = config_.prefix + target;
    if (auth && (!config_.username.empty() || !config_.password.empty())) {
        req.headers.set("Authorization",
                        "Basic " + text::base64_encode(config_.username + ":" + config_.password));
    }
    req.headers.set("User-Agent", "faas-cli");
    return req;
}

awaitable<Result<http::Response>> Api::system(std::string method, std::string target,
                                              std::string body) {
    http::Request req = make(std::move(method), target, true);
    if (!body.empty()) {
        req.headers.set("Content-Type", "application/json");
        req.body = std::move(body);
    }
    http::CallOptions options;
    options.timeout = config_.timeout;
    auto r = co_await pool_.request(config_.endpoint, std::move(req), options);
    if (!r) {
        co_return make_error(r.error().code, "gateway " + config_.url + ": " + r.error().what());
    }
    co_return r;
}

awaitable<Result<http::Response>> Api::invoke(std::string method, std::string target,
                                              http::Headers headers, std::string body) {
    http::Request req = make(std::move(method), target, false);
    for (const auto& h : headers) {
        req.headers.set(h.name, h.value);
    }
    req.body = std::move(body);
    http::CallOptions options;
    options.timeout = config_.timeout;
    options.max_response_bytes = 1U << 30U;
    auto r = co_await pool_.request(config_.endpoint, std::move(req), options);
    if (!r) {
        co_return make_error(r.error().code, "gateway " + config_.url + ": " + r.error().what());
    }
    co_return r;
}

awaitable<Result<http::Response>> Api::stream(std::string target, http::BodySink sink,
                                              std::chrono::nanoseconds idle_timeout) {
    http::Request req = make("GET", target, true);
    http::StreamOptions options;
    options.head_timeout = config_.timeout;
    options.idle_timeout = idle_timeout;
    auto r = co_await pool_.stream(config_.endpoint, std::move(req), options, std::move(sink));
    if (!r) {
        co_return make_error(r.error().code, "gateway " + config_.url + ": " + r.error().what());
    }
    co_return r;
}

awaitable<Result<DeployOutcome>> deploy_function(Api& api, openfaas::FunctionDeployment d,
                                                 DeployMode mode) {
    const std::string body = openfaas::to_json(d);
    DeployOutcome outcome;
    if (mode == DeployMode::Replace) {
        openfaas::DeleteFunctionRequest del;
        del.function_name = d.service;
        del.namespace_ = d.namespace_;
        auto r = co_await api.system("DELETE", "/system/functions", openfaas::to_json(del));
        if (!r) {
            co_return r.error();
        }
        if (!ok_status(r->status) && r->status != 404) {
            co_return http_failure("DELETE /system/functions " + d.service, *r);
        }
    }
    if (mode == DeployMode::Update) {
        auto r = co_await api.system("PUT", "/system/functions", body);
        if (!r) {
            co_return r.error();
        }
        if (ok_status(r->status)) {
            outcome.status = r->status;
            co_return outcome;
        }
        if (r->status != 404) {
            co_return http_failure("PUT /system/functions " + d.service, *r);
        }
    }
    auto r = co_await api.system("POST", "/system/functions", body);
    if (!r) {
        co_return r.error();
    }
    if (!ok_status(r->status)) {
        co_return http_failure("POST /system/functions " + d.service, *r);
    }
    outcome.status = r->status;
    outcome.created = true;
    co_return outcome;
}

awaitable<Result<openfaas::FunctionStatus>> function_status(Api& api, std::string name,
                                                            std::string ns) {
    const std::string target = with_namespace("/system/function/" + url_encode(name), ns);
    auto r = co_await api.system("GET", target);
    if (!r) {
        co_return r.error();
    }
    if (r->status == 404) {
        co_return make_error(errc::not_found, "no such function: " + name);
    }
    if (r->status != 200) {
        co_return http_failure("GET " + target, *r);
    }
    auto status = openfaas::parse_status(r->body);
    if (!status) {
        co_return make_error(errc::upstream_failed,
                             "GET " + target + ": unreadable answer: " + status.error().what());
    }
    co_return status;
}

awaitable<Status> wait_ready(Api& api, std::string name, std::string ns,
                             std::chrono::nanoseconds timeout, ReadyProgress progress) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto s = co_await function_status(api, name, ns);
        if (!s && s.error().code != errc::not_found) {
            co_return s.error();
        }
        if (progress) {
            progress(s ? std::optional<openfaas::FunctionStatus>(*s) : std::nullopt);
        }
        if (s && s->available_replicas >= 1) {
            co_return Status{};
        }
        if (std::chrono::steady_clock::now() + kPollInterval > deadline) {
            const std::string state =
                s ? std::to_string(s->available_replicas) + "/" + std::to_string(s->replicas) +
                        " replicas ready"
                  : std::string("not listed");
            const auto waited = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
            std::string message = name;
            message.append(" was not ready within ").append(std::to_string(waited));
            message.append("s (").append(state).append(")");
            co_return make_error(errc::timeout, std::move(message));
        }
        co_await sleep_for(kPollInterval);
    }
}

awaitable<Status> wait_healthy(Api& api, std::chrono::nanoseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    for (;;) {
        auto r = co_await api.system("GET", "/healthz");
        if (r && r->status == 200) {
            co_return Status{};
        }
        last = r ? "status " + std::to_string(r->status) : r.error().what();
        if (std::chrono::steady_clock::now() + kPollInterval > deadline) {
            co_return make_error(errc::timeout, "gateway " + api.config().url +
                                                    " not healthy in time (" + last + ")");
        }
        co_await sleep_for(kPollInterval);
    }
}

}  // namespace faas::cli
