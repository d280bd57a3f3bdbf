#include "provider/api.hpp"

#include <chrono>

#include "core/daemon/admin.hpp"

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

constexpr std::size_t kBodyLimit = 8U << 20U;

}  // namespace

Api::Api(FunctionBackend& backend, asio::io_context& control, const Config& config, log::Logger log,
         metrics::Registry& registry, std::optional<http::Credentials> credentials)
    : backend_(backend),
      control_(control),
      config_(config),
      log_(std::move(log)),
      registry_(registry),
      metrics_(std::make_unique<Metrics>(registry)),
      credentials_(std::move(credentials)),
      routes_(routes()) {}

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
        // Too large is 413; anything else the client sent is a bad request.
        const bool too_large = b.error().code == errc::body_too_large;
        const Error e = too_large ? b.error() : make_error(errc::bad_request, b.error().what());
        http::Response r = http::error_response(e);
        co_await http::send(ex, std::move(r));
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
            http::Response r = http::error_response(make_error(errc::internal));
            co_await http::send(ex, std::move(r));
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
    if (path.starts_with("/system/") && credentials_ &&
        !http::authorized(*credentials_, ex.header("Authorization"))) {
        route_label = "/system/*";
        http::Response r = http::unauthorized_response();
        co_await http::send(ex, std::move(r));
        co_return;
    }
    const auto match = routes_.match(ex.method(), path);
    switch (match.status) {
        case http::RouteStatus::Found: {
            route_label = std::string(match.label);
            co_await (*match.handler)(t, ex, match.params);
            co_return;
        }
        case http::RouteStatus::MethodNotAllowed: {
            route_label = std::string(match.label);
            http::Response r = http::method_not_allowed_response();
            co_await http::send(ex, std::move(r));
            co_return;
        }
        case http::RouteStatus::NotFound: break;
    }
    http::Response r = http::not_found_response();
    co_await http::send(ex, std::move(r));
}

awaitable<void> Api::admin(http::Exchange& ex) {
    // Prometheus' Go handler answers /metrics whatever the method, as the provider always did.
    daemon::AdminRoutes admin;
    admin.metrics_any_method = true;
    auto answer = daemon::admin_response(registry_, admin, ex.method(), ex.path());
    FAAS_ASSERT(answer.has_value());  // routed here for /healthz and /metrics only
    http::Response r = std::move(*answer);
    co_await http::send(ex, std::move(r));
}

}  // namespace faas::provider
