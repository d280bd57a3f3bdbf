#include "gateway/gateway.hpp"

#include <atomic>
#include <optional>
#include <vector>

#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "core/metrics/metrics.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/context.hpp"
#include "gateway/discovery.hpp"

namespace faas::gateway {

using boost::system::error_code;

namespace {

std::string path_prefix(const std::string& url_path) {
    std::string p = url_path;
    while (!p.empty() && p.back() == '/') {
        p.pop_back();
    }
    return p;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

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
    awaitable<void> handle_metrics(http::Exchange& ex);
    awaitable<void> shutdown_sequence();
    void publish(SnapshotPtr snap);

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
    std::unique_ptr<http::Server> metrics_server;
    std::optional<asio::signal_set> signals;
    bool shutdown_started = false;
};

void Gateway::Impl::publish(SnapshotPtr snap) {
    for (std::size_t i = 0; i < states.size(); ++i) {
        asio::post(pool.context(i), [ts = states[i].get(), snap] { ts->set_snapshot(snap); });
    }
}

awaitable<void> Gateway::Impl::handle(ThreadState& ts, http::Exchange& ex) {
    const std::string_view path = ex.path();
    const auto protect = [&]() -> bool {
        return !shared.credentials || authorized(*shared.credentials, ex.header("Authorization"));
    };
    if (path == "/function" || starts_with(path, "/function/")) {
        if (!function_method_allowed(ex.method())) {
            ex.close_connection();
            (void)co_await ex.respond(http::text_error(405, "Method Not Allowed"));
            co_return;
        }
        auto route = parse_function_route(ex.target(), config.function_namespace);
        co_await handle_function(ts, ex, std::move(*route));
        co_return;
    }
    if (auto route = parse_async_route(ex.target(), config.function_namespace)) {
        co_await handle_async(ts, ex, std::move(*route));
        co_return;
    }
    if (auto route = parse_batch_route(ex.target(), config.function_namespace)) {
        co_await handle_batch(ts, ex, std::move(*route));
        co_return;
    }
    if (path == "/healthz") {
        co_await handle_healthz(ts, ex);
        co_return;
    }
    if (starts_with(path, "/system/")) {
        if (!protect()) {
            ex.close_connection();
            (void)co_await ex.respond(unauthorized_response());
            co_return;
        }
        co_await handle_system(ts, ex);
        co_return;
    }
    if (path == "/ui" || starts_with(path, "/ui/")) {
        if (!protect()) {
            (void)co_await ex.respond(unauthorized_response());
            co_return;
        }
        co_await handle_ui(ex);
        co_return;
    }
    if (path == "/") {
        // Our extension: "X-Function: <name>" on "/" routes the request to that function.
        if (auto fn = ex.header("X-Function"); fn && !fn->empty()) {
            if (!function_method_allowed(ex.method())) {
                ex.close_connection();
                (void)co_await ex.respond(http::text_error(405, "Method Not Allowed"));
                co_return;
            }
            auto route = route_from_header(*fn, ex.target(), config.function_namespace);
            co_await handle_function(ts, ex, std::move(route));
            co_return;
        }
        http::Response res;
        res.status = 307;
        res.headers.set("Location", "/ui/");
        (void)co_await ex.respond(std::move(res));
        co_return;
    }
    if (!ex.body_done()) {
        ex.close_connection();
    }
    (void)co_await ex.respond(http::text_error(404, "404 page not found"));
}

awaitable<void> Gateway::Impl::handle_metrics(http::Exchange& ex) {
    const std::string_view path = ex.path();
    if (path == "/metrics" || path == "/healthz") {
        if (ex.method() != "GET" && ex.method() != "HEAD") {
            (void)co_await ex.respond(http::text_error(405, "Method Not Allowed"));
            co_return;
        }
        http::Response res;
        if (path == "/metrics") {
            res.headers.set("Content-Type", metrics::kContentType);
            res.body = metrics::serialize(metrics.registry);
        } else {
            res.headers.set("Content-Type", "text/plain; charset=utf-8");
            res.body = "OK";
        }
        (void)co_await ex.respond(std::move(res));
        co_return;
    }
    (void)co_await ex.respond(http::text_error(404, "404 page not found"));
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
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log))) {
    Impl& d = *impl_;
    auto provider = http::parse_url(d.config.functions_provider_url);
    auto logs = http::parse_url(d.config.logs_provider_url);
    if (!provider || !logs) {
        throw config::ConfigError("functions_provider_url/logs_provider_url: not an http:// URL");
    }
    d.shared.provider = provider->endpoint;
    d.shared.provider_prefix = path_prefix(provider->path);
    d.shared.logs_provider = logs->endpoint;
    d.shared.logs_prefix = path_prefix(logs->path);
    if (d.config.basic_auth) {
        d.shared.credentials = load_credentials(d.config.secret_mount_path);
        d.shared.provider_auth = basic_header(*d.shared.credentials);
    }
}

Gateway::~Gateway() = default;

int Gateway::run() {
    Impl& d = *impl_;
    const Config& c = d.config;
    for (std::size_t i = 0; i < d.pool.size(); ++i) {
        d.states.push_back(std::make_unique<ThreadState>(d.pool.context(i), d.shared));
    }
    d.discovery = std::make_unique<Discovery>(d.pool.context(0), d.shared,
                                              [&d](SnapshotPtr s) { d.publish(std::move(s)); });
    d.shared.request_refresh = [&d] {
        asio::post(d.pool.context(0), [&d] { d.discovery->refresh(); });
    };

    http::ServerOptions so;
    so.address = c.bind_address;
    so.port = c.port;
    so.read_timeout = c.read_timeout;
    so.write_timeout = c.write_timeout;
    try {
        d.server = std::make_unique<http::Server>(
            d.pool, so,
            [&d](asio::io_context& ioc) -> http::Handler {
                ThreadState* ts = nullptr;
                for (auto& s : d.states) {
                    if (&s->ioc == &ioc) {
                        ts = s.get();
                    }
                }
                FAAS_ASSERT(ts != nullptr);
                return [&d, ts](http::Exchange& ex) { return d.handle(*ts, ex); };
            },
            d.log);
        if (c.metrics_port >= 0) {
            http::ServerOptions mo;
            mo.address = c.bind_address;
            mo.port = static_cast<std::uint16_t>(c.metrics_port);
            d.metrics_server = std::make_unique<http::Server>(
                d.pool, mo,
                [&d](asio::io_context&) -> http::Handler {
                    return [&d](http::Exchange& ex) { return d.handle_metrics(ex); };
                },
                d.log);
        }
    } catch (const std::system_error& e) {
        d.log->critical("cannot listen address={} port={} metrics_port={} error=\"{}\"",
                        c.bind_address, c.port, c.metrics_port, e.what());
        return 1;
    }

    d.signals.emplace(d.pool.context(0), SIGTERM, SIGINT);
    d.signals->async_wait([&d](const error_code& ec, int) {
        if (!ec && !d.shutdown_started) {
            d.shutdown_started = true;
            asio::co_spawn(d.pool.context(0), d.shutdown_sequence(), asio::detached);
        }
    });

    d.queue.start();
    d.discovery->start();
    d.server->start();
    if (d.metrics_server) {
        d.metrics_server->start();
    }
    d.log->info("listening port={} metrics_port={} address={} provider={} threads={} "
                "scale_from_zero={} basic_auth={} version={} sha={}",
                d.server->port(), d.metrics_server ? static_cast<int>(d.metrics_server->port()) : -1,
                c.bind_address, c.functions_provider_url, d.pool.size(), c.scale_from_zero,
                c.basic_auth, version_release(), version_sha());
    d.log->flush();  // the line that says it is ready: not up to 100 ms late
    d.pool.run();
    return 0;
}

}  // namespace faas::gateway
