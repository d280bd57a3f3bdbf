#pragma once
// The admin endpoints (the daemon skeleton, part 3): /metrics (Prometheus text of the daemon's
// registry) and /healthz ("OK", or 503 with the reason the daemon gives). The gateway, the
// queue-worker and the watchdog serve them on a port of their own (make_admin_server); the
// provider answers them on its API port (admin_response). Each daemon keeps its wire
// behaviour through AdminRoutes.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "core/http/types.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"

namespace faas::daemon {

struct AdminRoutes {
    // Serve /healthz. The watchdog does not: its health is /_/health on the function port.
    bool healthz = true;
    // Answer /metrics whatever the method, as Prometheus' Go handler does (the watchdog and
    // the provider). Otherwise /metrics, like /healthz, is GET or HEAD and anything else 405.
    bool metrics_any_method = false;
    // Why the daemon cannot serve (/healthz answers 503 with it), or nullopt when it can. Called
    // on any pool thread: it must be thread-safe. Empty: always healthy.
    std::function<std::optional<std::string>()> unhealthy;
};

// The answer to `method path` when `path` is an admin endpoint `routes` serves; nullopt
// otherwise, so that a daemon's own server can go on routing.
std::optional<http::Response> admin_response(const metrics::Registry& registry,
                                             const AdminRoutes& routes,
                                             std::string_view method,
                                             std::string_view path);

// A Server on `address:port` that answers the admin endpoints and 404 elsewhere. Binds at once
// (std::system_error when it cannot, as http::Server); the caller starts it and puts it in its
// http::shutdown_all. `registry` must outlive the server.
std::unique_ptr<http::Server> make_admin_server(http::IoPool& pool,
                                                std::string address,
                                                std::uint16_t port,
                                                const metrics::Registry& registry,
                                                AdminRoutes routes,
                                                log::Logger log);

}  // namespace faas::daemon
