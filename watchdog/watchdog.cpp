#include "watchdog/watchdog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <optional>
#include <vector>

#include "core/daemon/admin.hpp"
#include "core/daemon/signals.hpp"
#include "core/errno_text.hpp"
#include "core/http/io_pool.hpp"
#include "core/http/respond.hpp"
#include "core/http/server.hpp"
#include "core/metrics/metrics.hpp"
#include "core/text/text.hpp"
#include "watchdog/context.hpp"
#include "watchdog/metrics.hpp"
#include "watchdog/upstream.hpp"

namespace faas::watchdog {

using boost::system::error_code;

namespace {

// A TCP port free on `host` right now (bound to port 0, read back, released).
Result<std::uint16_t> free_port(const std::string& host) {
    error_code ec;
    const auto addr = asio::ip::make_address(host, ec);
    if (ec) {
        return make_error(errc::bad_request,
                          "port 0 needs a numeric upstream host, got \"" + host + "\"");
    }
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io);
    acceptor.open(addr.is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), ec);
    if (!ec) {
        acceptor.bind(asio::ip::tcp::endpoint(addr, 0), ec);
    }
    if (ec) {
        return make_error(errc::internal, "cannot find a free port: " + ec.message());
    }
    return acceptor.local_endpoint().port();
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// /_/health and /_/ready while the watchdog cannot serve (of-watchdog's text).
http::Response unavailable() {
    return http::error_response(make_error(errc::unavailable, "Service Unavailable"));
}

}  // namespace

struct Watchdog::Impl {
    Impl(Config c, log::Logger l)
        : config(std::move(c)), log(std::move(l)), shared(config, log), pool(config.threads) {}

    awaitable<void> handle(ThreadContext& ctx, MetricCache& cache, http::Exchange& ex);
    awaitable<void> health(http::Exchange& ex);
    awaitable<void> ready(ThreadContext& ctx, http::Exchange& ex);
    // /_/ready in http mode with a ready_path: the function's own answer.
    awaitable<http::Response> upstream_ready(ThreadContext& ctx);
    awaitable<void> shutdown_sequence();
    // The steps of Watchdog::run(); false (after logging why) when the watchdog cannot start.
    bool prepare_upstream();
    bool listen();
    http::Handler thread_handler(asio::io_context& ioc);
    void start_prespawn();
    void start();
    bool healthy() const;
    void write_lock();
    void remove_lock();

    Config config;
    log::Logger log;
    Shared shared;
    http::IoPool pool;
    Metrics metrics;
    std::atomic<std::uint64_t> inflight{0};
    std::vector<std::unique_ptr<ThreadContext>> contexts;
    std::vector<std::unique_ptr<MetricCache>> caches;
    std::unique_ptr<http::Server> server;
    std::unique_ptr<http::Server> metrics_server;
    std::unique_ptr<Upstream> upstream;
    std::atomic<bool> lock_written{false};
    // The environment of pre-spawned processes (base_env, marked as pre-spawned).
    std::vector<std::string> prespawn_env;
    std::optional<daemon::StopSignals> signals;
    std::optional<asio::steady_timer> drain_delay;
};

bool Watchdog::Impl::healthy() const {
    if (shared.shutting_down || config.suppress_lock || !lock_written) {
        return false;
    }
    if (config.mode == Mode::Http && !shared.upstream_up) {
        return false;
    }
    return file_exists(config.lock_path);
}

void Watchdog::Impl::write_lock() {
    if (config.suppress_lock) {
        log->info("lock file suppressed (suppress_lock=true): /_/health will answer 503");
        lock_written = true;
        return;
    }
    const int fd = ::open(config.lock_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0660);
    if (fd < 0) {
        log->error("cannot write lock file path={} error=\"{}\"", config.lock_path,
                   errno_text(errno));
        return;
    }
    ::close(fd);
    lock_written = true;
    log->info("Writing lock-file to: {}", config.lock_path);
}

void Watchdog::Impl::remove_lock() {
    if (!config.suppress_lock) {
        ::unlink(config.lock_path.c_str());
    }
}

awaitable<void> Watchdog::Impl::health(http::Exchange& ex) {
    http::Response res;
    if (ex.method() != "GET") {
        res = http::method_not_allowed_response();
    } else if (healthy()) {
        res.headers.set("Content-Type", "text/plain; charset=utf-8");
        res.body = "OK";
    } else {
        res = unavailable();
    }
    co_await http::send(ex, std::move(res));
}

awaitable<void> Watchdog::Impl::ready(ThreadContext& ctx, http::Exchange& ex) {
    http::Response res;
    if (ex.method() != "GET") {
        res = http::method_not_allowed_response();
    } else if (!healthy()) {
        res = unavailable();
    } else if (config.max_inflight != 0 && inflight.load() >= config.max_inflight) {
        res = http::error_response(
            make_error(errc::overloaded, "Concurrent request limit exceeded"));
    } else if (config.mode == Mode::Http && !config.ready_path.empty()) {
        res = co_await upstream_ready(ctx);
    } else {
        res.body = "OK";
    }
    co_await http::send(ex, std::move(res));
}

awaitable<http::Response> Watchdog::Impl::upstream_ready(ThreadContext& ctx) {
    http::Request req;
    req.method = "GET";
    req.target = shared.upstream_prefix + config.ready_path;
    http::CallOptions o;
    o.timeout = std::chrono::seconds(5);
    o.max_response_bytes = std::size_t{64} * 1024U;
    auto r = co_await ctx.client->request(shared.upstream, std::move(req), o);
    if (!r) {
        // Whatever went wrong asking the function, it is not ready.
        co_return http::error_response(make_error(errc::unavailable, r.error().what()));
    }
    http::Response res;
    res.status = r->status;
    res.body = std::move(r->body);
    co_return res;
}

awaitable<void> Watchdog::Impl::handle(ThreadContext& ctx, MetricCache& cache, http::Exchange& ex) {
    const std::string_view path = ex.path();
    if (path == "/_/health") {
        co_await health(ex);
        co_return;
    }
    if (path == "/_/ready") {
        co_await ready(ctx, ex);
        co_return;
    }
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t now_inflight = inflight.fetch_add(1) + 1;
    metrics.inflight.Increment();
    struct Release {
        Impl& impl;
        ~Release() {
            impl.inflight.fetch_sub(1);
            impl.metrics.inflight.Decrement();
        }
    } release{*this};
    if (config.max_inflight != 0 && now_inflight > config.max_inflight) {
        http::Response res;
        res.status = 429;
        res.headers.set("Content-Type", "text/plain");
        res.headers.set("X-OpenFaaS-Internal", "faas-middleware");
        res.body = "Concurrent request limit exceeded. Max concurrent requests: " +
                   std::to_string(config.max_inflight) + "\n";
        log->warn("rejected over max_inflight {}max_inflight={}", call_id_field(ex),
                  config.max_inflight);
        co_await http::send(ex, std::move(res));
    } else {
        switch (config.mode) {
            case Mode::Classic:
            case Mode::Serializing: co_await handle_fork(shared, ctx, ex); break;
            case Mode::Streaming: co_await handle_streaming(shared, ctx, ex); break;
            case Mode::Http: co_await handle_http(shared, ctx, ex); break;
            case Mode::Static: co_await handle_static(shared, ctx, ex); break;
        }
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    cache.observe(ex.response_status(), method_label(ex.method()), took.count());
}

awaitable<void> Watchdog::Impl::shutdown_sequence() {
    shared.shutting_down = true;
    remove_lock();
    log->info("SIGTERM received: health now 503, draining after healthcheck_interval={}s",
              std::chrono::duration<double>(config.healthcheck_interval).count());
    error_code ec;
    drain_delay.emplace(pool.context(0));
    drain_delay->expires_after(config.healthcheck_interval);
    co_await drain_delay->async_wait(asio::redirect_error(use_awaitable, ec));

    std::vector<http::ServerDrain> servers{{server.get(), config.write_timeout},
                                           {metrics_server.get(), std::chrono::seconds(1)}};
    co_await http::shutdown_all(pool.context(0).get_executor(), std::move(servers));
    if (upstream) {
        co_await upstream->stop(std::min<std::chrono::nanoseconds>(config.write_timeout,
                                                                   std::chrono::seconds(10)));
    }
    log->info("shutdown complete");
    pool.stop();
}

bool Watchdog::Impl::prepare_upstream() {
    auto url = http::parse_url(config.upstream_url);
    if (!url) {
        log->critical("upstream_url={}: {}", config.upstream_url, url.error().what());
        return false;
    }
    if (url->https) {
        log->critical("upstream_url={}: https is not supported", config.upstream_url);
        return false;
    }
    shared.upstream = url->endpoint;
    if (shared.upstream.port == 0) {
        // Port 0: several replicas share one machine, so each picks a free loopback port
        // and tells its function through PORT (as Knative and Cloud Run do).
        auto port = free_port(shared.upstream.host);
        if (!port) {
            log->critical("upstream_url={}: {}", config.upstream_url, port.error().what());
            return false;
        }
        shared.upstream.port = *port;
        log->info("upstream port chosen port={}", *port);
    }
    // In http mode the function always learns its port from PORT.
    std::erase_if(shared.base_env, [](const std::string& e) { return e.starts_with("PORT="); });
    shared.base_env.push_back("PORT=" + std::to_string(shared.upstream.port));
    std::string prefix = url->path;
    while (!prefix.empty() && prefix.back() == '/') {
        prefix.pop_back();
    }
    shared.upstream_prefix = prefix;
    return true;
}

http::Handler Watchdog::Impl::thread_handler(asio::io_context& ioc) {
    auto ctx = std::make_unique<ThreadContext>(ioc);
    if (config.mode == Mode::Http) {
        ctx->client = std::make_unique<http::ClientPool>(ioc.get_executor());
    }
    if (config.prespawn > 0) {
        process::SpawnOptions o;
        o.argv = config.argv;
        o.env = prespawn_env;
        o.err = config.combine_output ? process::Stdio::ToStdout : process::Stdio::Pipe;
        const std::size_t per_thread = (config.prespawn + pool.size() - 1) / pool.size();
        ctx->prespawn =
            std::make_unique<PrespawnPool>(ioc.get_executor(), std::move(o), per_thread);
    }
    caches.push_back(std::make_unique<MetricCache>(metrics));
    ThreadContext* raw = ctx.get();
    MetricCache* cache = caches.back().get();
    contexts.push_back(std::move(ctx));
    return [this, raw, cache](http::Exchange& ex) { return handle(*raw, *cache, ex); };
}

bool Watchdog::Impl::listen() {
    http::ServerOptions so;
    so.address = config.bind_address;
    so.port = config.port;
    so.read_timeout = config.read_timeout;
    so.write_timeout = config.write_timeout;
    try {
        server = std::make_unique<http::Server>(
            pool, so, [this](asio::io_context& ioc) { return thread_handler(ioc); }, log);
        if (config.metrics_port >= 0) {
            // of-watchdog's metrics port, on the function port's address: /metrics for any
            // method; its health is /_/health on the function port.
            daemon::AdminRoutes routes;
            routes.healthz = false;
            routes.metrics_any_method = true;
            metrics_server = daemon::make_admin_server(
                pool, config.bind_address, static_cast<std::uint16_t>(config.metrics_port),
                metrics.registry, std::move(routes), log);
        }
    } catch (const std::system_error& e) {
        log->critical("cannot listen port={} error=\"{}\"", config.port, e.what());
        return false;
    }
    return true;
}

// Pre-spawned processes start on their own threads' io_contexts.
void Watchdog::Impl::start_prespawn() {
    for (std::size_t i = 0; i < contexts.size(); ++i) {
        if (contexts[i]->prespawn) {
            asio::post(pool.context(i), [p = contexts[i]->prespawn.get()] { p->refill(); });
        }
    }
}

void Watchdog::Impl::start() {
    server->start();
    if (metrics_server) {
        metrics_server->start();
    }
    log->info("Listening on port: {}", server->port());
    log->info("listening port={} metrics_port={} mode={} threads={} fprocess=\"{}\"",
              server->port(), metrics_server ? static_cast<int>(metrics_server->port()) : -1,
              mode_name(config.mode), pool.size(), config.fprocess);
    log->flush();  // the line that says it is ready: not up to 100 ms late
    if (config.mode == Mode::Http) {
        upstream = std::make_unique<Upstream>(pool.context(0), shared);
        upstream->start([this] { write_lock(); });
    } else {
        write_lock();
    }
}

Watchdog::Watchdog(Config config, log::Logger log)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log))) {}

Watchdog::~Watchdog() = default;

int Watchdog::run() {
    Impl& d = *impl_;
    d.shared.base_env = process::current_environment();
    if (d.config.mode == Mode::Http && !d.prepare_upstream()) {
        return 1;
    }
    d.prespawn_env = d.shared.base_env;
    d.prespawn_env.emplace_back("Http_Prespawn=true");
    if (!d.listen()) {
        return 1;
    }
    d.start_prespawn();
    d.signals.emplace(
        d.pool.context(0), [&d](int) { return d.shutdown_sequence(); },
        [&d](int sig) {
            // A second signal skips the health-check grace period.
            d.log->info("signal {} again: draining now", sig);
            if (d.drain_delay) {
                d.drain_delay->cancel();
            }
        });
    d.start();
    d.pool.run();
    d.remove_lock();
    return 0;
}

}  // namespace faas::watchdog
