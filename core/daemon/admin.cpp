#include "core/daemon/admin.hpp"

#include <utility>

#include "core/http/respond.hpp"

namespace faas::daemon {

namespace {

bool get_or_head(std::string_view method) { return method == "GET" || method == "HEAD"; }

http::Response metrics_page(const metrics::Registry& registry) {
    http::Response res;
    res.headers.set("Content-Type", metrics::kContentType);
    res.body = metrics::serialize(registry);
    return res;
}

http::Response health_page(const AdminRoutes& routes) {
    if (routes.unhealthy) {
        if (auto reason = routes.unhealthy()) {
            return http::text_error(503, *reason);
        }
    }
    http::Response res;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = "OK";
    return res;
}

}  // namespace

std::optional<http::Response> admin_response(const metrics::Registry& registry,
                                             const AdminRoutes& routes,
                                             std::string_view method,
                                             std::string_view path) {
    if (path == "/metrics") {
        if (!routes.metrics_any_method && !get_or_head(method)) {
            return http::method_not_allowed_response();
        }
        return metrics_page(registry);
    }
    if (path == "/healthz" && routes.healthz) {
        if (!get_or_head(method)) {
            return http::method_not_allowed_response();
        }
        return health_page(routes);
    }
    return std::nullopt;
}

std::unique_ptr<http::Server> make_admin_server(http::IoPool& pool,
                                                std::string address,
                                                std::uint16_t port,
                                                const metrics::Registry& registry,
                                                AdminRoutes routes,
                                                log::Logger log) {
    http::ServerOptions options;
    options.address = std::move(address);
    options.port = port;
    auto shared = std::make_shared<const AdminRoutes>(std::move(routes));
    http::HandlerFactory factory = [&registry, shared](asio::io_context&) -> http::Handler {
        return [&registry, shared](http::Exchange& ex) -> awaitable<void> {
            auto answer = admin_response(registry, *shared, ex.method(), ex.path());
            http::Response res = answer ? std::move(*answer) : http::not_found_response();
            co_await http::send(ex, std::move(res));
        };
    };
    return std::make_unique<http::Server>(pool, std::move(options), std::move(factory),
                                          std::move(log));
}

}  // namespace faas::daemon
