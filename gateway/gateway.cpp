#include "gateway/gateway.hpp"

#include <atomic>
#include <optional>
#include <vector>

#include "core/daemon/admin.hpp"
#include "core/daemon/signals.hpp"
#include "core/http/io_pool.hpp"
#include "core/http/respond.hpp"
#include "core/http/server.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/context.hpp"
#include "gateway/discovery.hpp"

namespace faas::gateway {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// 405 for a method a function route does not relay; the unread body closes the connection.
awaitable<void> refuse_method(http::Exchange& ex) {
    ex.close_connection();
    http::Response res = http::method_not_allowed_response();
    co_await http::send(ex, std::move(res));
}

}  // namespace

struct Gateway::Impl {
    Impl(Config c, log::Logger l)
        : config(std::move(c)),
          log(std::move(l)),
          pool(config.threads),
          shared(config, log, metrics),
          queue(config, log, metrics) {
        shared.queue = &queue;
    }

    awaitable<void> handle(ThreadState& ts, http::Exchange& ex);
    // /function/..., and "/" with X-Function (our extension) or the redirect to the UI.
    awaitable<void> handle_function_path(ThreadState& ts, http::Exchange& ex);
    awaitable<void> handle_root(ThreadState& ts, http::Exchange& ex);
    // /system/* and /ui/, behind basic auth when it is on.
    awaitable<void> handle_protected(ThreadState& ts, http::Exchange& ex);
    // The graceful stop StopSignals starts on the first SIGTERM/SIGINT.
    awaitable<void> shutdown_sequence();
    void publish(const SnapshotPtr& snap);

    // The steps of run().
    void make_states();
    // False after logging why a port could not be bound.
    bool listen();
    void log_listening() const;

    Config config;
    log::Logger log;
    http::IoPool pool;  // first: destroyed last, after everything that runs on it
    Metrics metrics;
    Shared shared;
    // Destroyed after the I/O threads stopped and before the pool (publishes wait on timers of
    // its io_contexts).
    AsyncQueue queue;
    std::vector<std::unique_ptr<ThreadState>> states;
    std::unique_ptr<Discovery> discovery;
    std::unique_ptr<http::Server> server;
    std::unique_ptr<http::Server> metrics_server;  // /metrics and /healthz (core/daemon/admin)
    std::optional<daemon::StopSignals> stop_signals;
};

void Gateway::Impl::publish(const SnapshotPtr& snap) {
    for (std::size_t i = 0; i < states.size(); ++i) {
        asio::post(pool.context(i), [ts = states[i].get(), snap] { ts->set_snapshot(snap); });
    }
}

awaitable<void> Gateway::Impl::handle(ThreadState& ts, http::Exchange& ex) {
    const std::string_view path = ex.path();
    if (path == "/function" || starts_with(path, "/function/")) {
        co_await handle_function_path(ts, ex);
    } else if (auto async_route = parse_async_route(ex.target(), config.function_namespace)) {
        co_await handle_async(ts, ex, std::move(*async_route));
    } else if (auto batch_route = parse_batch_route(ex.target(), config.function_namespace)) {
        co_await handle_batch(ts, ex, std::move(*batch_route));
    } else if (path == "/healthz") {
        co_await handle_healthz(ts, ex);
    } else if (starts_with(path, "/system/") || path == "/ui" || starts_with(path, "/ui/")) {
        co_await handle_protected(ts, ex);
    } else if (path == "/") {
        co_await handle_root(ts, ex);
    } else {
        if (!ex.body_done()) {
            ex.close_connection();
        }
        http::Response res = http::not_found_response();
        co_await http::send(ex, std::move(res));
    }
}

awaitable<void> Gateway::Impl::handle_function_path(ThreadState& ts, http::Exchange& ex) {
    if (!function_method_allowed(ex.method())) {
        co_await refuse_method(ex);
        co_return;
    }
    auto route = parse_function_route(ex.target(), config.function_namespace);
    co_await handle_function(ts, ex, std::move(*route));
}

awaitable<void> Gateway::Impl::handle_root(ThreadState& ts, http::Exchange& ex) {
    // Our extension: "X-Function: <name>" on "/" routes the request to that function.
    if (auto fn = ex.header("X-Function"); fn && !fn->empty()) {
        if (!function_method_allowed(ex.method())) {
            co_await refuse_method(ex);
            co_return;
        }
        auto route = route_from_header(*fn, ex.target(), config.function_namespace);
        co_await handle_function(ts, ex, std::move(route));
        co_return;
    }
    http::Response res;
    res.status = 307;
    res.headers.set("Location", "/ui/");
    co_await http::send(ex, std::move(res));
}

awaitable<void> Gateway::Impl::handle_protected(ThreadState& ts, http::Exchange& ex) {
    const bool system = starts_with(ex.path(), "/system/");
    if (shared.credentials && !http::authorized(*shared.credentials, ex.header("Authorization"))) {
        if (system) {
            ex.close_connection();
        }
        http::Response res = http::unauthorized_response();
        co_await http::send(ex, std::move(res));
        co_return;
    }
    if (system) {
        co_await handle_system(ts, ex);
    } else {
        co_await handle_ui(ex);
    }
}

awaitable<void> Gateway::Impl::shutdown_sequence() {
    shared.stopping = true;
    log->info("signal received: draining drain_s={}",
              std::chrono::duration<double>(config.write_timeout).count());
    std::vector<http::ServerDrain> servers{{server.get(), config.write_timeout},
                                           {metrics_server.get(), std::chrono::seconds(1)}};
    co_await http::shutdown_all(pool.context(0).get_executor(), std::move(servers));
    log->info("shutdown complete");
    pool.stop();
}

Gateway::Gateway(Config config, log::Logger log)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log))) {}

Gateway::~Gateway() = default;

void Gateway::Impl::make_states() {
    for (std::size_t i = 0; i < pool.size(); ++i) {
        states.push_back(std::make_unique<ThreadState>(pool.context(i), shared));
    }
    discovery = std::make_unique<Discovery>(pool.context(0), shared,
                                            [this](const SnapshotPtr& s) { publish(s); });
    shared.request_refresh = [this] {
        asio::post(pool.context(0), [this] { discovery->refresh(); });
    };
}

bool Gateway::Impl::listen() {
    http::ServerOptions so;
    so.address = config.bind_address;
    so.port = config.port;
    so.read_timeout = config.read_timeout;
    so.write_timeout = config.write_timeout;
    try {
        server = std::make_unique<http::Server>(
            pool, so,
            [this](asio::io_context& ioc) -> http::Handler {
                ThreadState* ts = nullptr;
                for (auto& s : states) {
                    if (&s->ioc == &ioc) {
                        ts = s.get();
                    }
                }
                FAAS_ASSERT(ts != nullptr);
                return [this, ts](http::Exchange& ex) { return handle(*ts, ex); };
            },
            log);
        if (config.metrics_port >= 0) {
            metrics_server = daemon::make_admin_server(
                pool, config.bind_address, static_cast<std::uint16_t>(config.metrics_port),
                metrics.registry, daemon::AdminRoutes{}, log);
        }
    } catch (const std::system_error& e) {
        log->critical("cannot listen address={} port={} metrics_port={} error=\"{}\"",
                      config.bind_address, config.port, config.metrics_port, e.what());
        return false;
    }
    return true;
}

void Gateway::Impl::log_listening() const {
    const Config& c = config;
    log->info(
        "listening port={} metrics_port={} address={} provider={} threads={} "
        "scale_from_zero={} basic_auth={} version={} sha={}",
        server->port(), metrics_server ? static_cast<int>(metrics_server->port()) : -1,
        c.bind_address, c.functions_provider_url, pool.size(), c.scale_from_zero, c.basic_auth,
        version_release(), version_sha());
    log->flush();  // the line that says it is ready: not up to 100 ms late
}

int Gateway::run() {
    Impl& d = *impl_;
    d.make_states();
    if (!d.listen()) {
        return 1;
    }
    d.stop_signals.emplace(d.pool.context(0), [&d](int /*signal*/) -> awaitable<void> {
        co_await d.shutdown_sequence();
    });
    d.queue.start();
    d.discovery->start();
    d.server->start();
    if (d.metrics_server) {
        d.metrics_server->start();
    }
    d.log_listening();
    d.pool.run();
    return 0;
}

}  // namespace faas::gateway
