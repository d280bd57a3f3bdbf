#include "provider/api.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/config/env.hpp"
#include "core/crypto/hmac.hpp"
#include "core/text/text.hpp"
#include "provider/query.hpp"
#include "provider/store.hpp"


namespace faas::provider {

using namespace std::chrono_literals;

struct Api::Metrics {
    explicit Metrics(metrics::Registry& r)
        : requests(prometheus::BuildCounter()
                       .Name("provider_http_requests_total")
                       .Help("HTTP requests served by the provider")
                       .Register(r)),
          duration(prometheus::BuildHistogram()
                       .Name("provider_http_request_duration_seconds")
                       .Help("Seconds spent serving HTTP requests")
                       .Register(r)) {}
    prometheus::Family<prometheus::Counter>& requests;
    prometheus::Family<prometheus::Histogram>& duration;
};

namespace {

http::Response method_not_allowed() { return http::text_error(405, "Method Not Allowed"); }

constexpr std::size_t kBodyLimit = 8U << 20U;

}  // namespace

Credentials load_credentials(const std::string& dir) {
    Credentials c;
    const std::filesystem::path d(dir);
    auto user = read_small_file(d / "basic-auth-user");
    auto pass = read_small_file(d / "basic-auth-password");
    if (!user || !pass) {
        throw config::ConfigError("basic_auth=true: cannot read " + dir +
                                  "/basic-auth-user and basic-auth-password (set "
                                  "secret_mount_path)");
    }
    c.user = std::string(text::trim(*user));
    c.password = std::string(text::trim(*pass));
    return c;
}

bool authorized(std::optional<std::string_view> header, const Credentials& c) {
    if (!header || header->size() < 6 || !text::iequals(header->substr(0, 6), "Basic ")) {
        return false;
    }
    auto decoded = text::base64_decode(text::trim(header->substr(6)));
    if (!decoded) {
        return false;
    }
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) {
        return false;
    }
    const std::string_view user = std::string_view(*decoded).substr(0, colon);
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    const bool user_ok = crypto::constant_time_equal(user, c.user);
    const bool pass_ok = crypto::constant_time_equal(password, c.password);
    return user_ok && pass_ok;
}

Api::Api(FunctionBackend& backend, asio::io_context& control, const Config& config, log::Logger log,
         metrics::Registry& registry, std::optional<Credentials> credentials)
    : backend_(backend),
      control_(control),
      config_(config),
      log_(std::move(log)),
      registry_(registry),
      metrics_(std::make_unique<Metrics>(registry)),
      credentials_(std::move(credentials)) {}

Api::~Api() = default;

http::HandlerFactory Api::factory() {
    return [this](asio::io_context& ioc) -> http::Handler {
        threads_.push_back(std::make_unique<Thread>(ioc));
        Thread* t = threads_.back().get();
        return [this, t](http::Exchange& ex) { return handle(*t, ex); };
    };
}

awaitable<std::optional<std::string>> Api::body(http::Exchange& ex) {
    auto b = co_await ex.read_body(kBodyLimit);
    if (!b) {
        const int status = b.error().code == errc::body_too_large ? 413 : 400;
        http::Response r = http::text_error(status, b.error().what());
        (void)co_await ex.respond(std::move(r));
        co_return std::nullopt;
    }
    co_return std::move(b).value();
}

awaitable<void> Api::handle(Thread& t, http::Exchange& ex) {
    const auto start = std::chrono::steady_clock::now();
    std::string route_label = "other";
    bool failed = false;
    try {
        co_await route(t, ex, route_label);
    } catch (const std::exception& e) {
        log_->error("request failed method={} path={} error=\"{}\"", ex.method(), ex.path(),
                    e.what());
        failed = true;
    }
    if (failed) {
        if (!ex.response_started()) {
            http::Response r = http::text_error(500, "internal error");
            (void)co_await ex.respond(std::move(r));
        } else {
            ex.abort();
        }
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const prometheus::Labels labels{{"code", std::to_string(ex.response_status())},
                                    {"method", std::string(ex.method())},
                                    {"path", route_label}};
    metrics_->requests.Add(labels).Increment();
    metrics_->duration.Add(labels, prometheus::Histogram::BucketBoundaries{
                                       0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10})
        .Observe(took.count());
}

awaitable<void> Api::route(Thread& t, http::Exchange& ex, std::string& route_label) {
    const std::string_view path = ex.path();
    if (path == "/healthz") {
        route_label = "/healthz";
        if (ex.method() != "GET" && ex.method() != "HEAD") {
            (void)co_await ex.respond(method_not_allowed());
            co_return;
        }
        http::Response r;
        r.body = "OK";
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (path == "/metrics") {
        route_label = "/metrics";
        http::Response r;
        r.headers.set("Content-Type", metrics::kContentType);
        r.body = metrics::serialize(registry_);
        (void)co_await ex.respond(std::move(r));
        co_return;
    }
    if (path.starts_with("/function/") || path == "/function") {
        route_label = "/function/{name}";
        const std::string_view rest = path.size() > 10 ? path.substr(10) : std::string_view{};
        co_await proxy(t, ex, rest);
        co_return;
    }
    if (path.starts_with("/system/")) {
        if (credentials_ && !authorized(ex.header("Authorization"), *credentials_)) {
            route_label = "/system/*";
            http::Response r = http::text_error(401, "invalid credentials");
            r.headers.set("WWW-Authenticate", "Basic realm=\"Restricted\"");
            (void)co_await ex.respond(std::move(r));
            co_return;
        }
        co_await system(t, ex, path, route_label);
        co_return;
    }
    (void)co_await ex.respond(http::text_error(404, "404 page not found"));
}

}  // namespace faas::provider
