#include "watchdog/watchdog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <optional>
#include <vector>

#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "core/metrics/metrics.hpp"
#include "core/text/text.hpp"
#include "watchdog/context.hpp"
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

// of-watchdog's metric names, so existing dashboards keep working.
struct Metrics {
    Metrics()
        : requests(prometheus::BuildCounter()
                       .Name("http_requests_total")
                       .Help("Function requests by status code and method")
                       .Register(registry)),
          duration(prometheus::BuildHistogram()
                       .Name("http_request_duration_seconds")
                       .Help("Seconds spent serving function requests")
                       .Register(registry)),
          inflight_family(prometheus::BuildGauge()
                              .Name("http_requests_in_flight")
                              .Help("Function requests being served")
                              .Register(registry)),
          inflight(inflight_family.Add({})) {}

    metrics::Registry registry;
    prometheus::Family<prometheus::Counter>& requests;
    prometheus::Family<prometheus::Histogram>& duration;
    prometheus::Family<prometheus::Gauge>& inflight_family;
    prometheus::Gauge& inflight;
};

std::string_view method_label(std::string_view m) {
    for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
        if (m == known) {
            return known;
        }
    }
    return "OTHER";
}

// Per-thread cache of metric children, so a request does not build label maps.
class MetricCache {
public:
    explicit MetricCache(Metrics& m) : m_(m) {}
    void observe(int code, std::string_view method, double seconds) {
        const auto key = std::make_pair(code, std::string(method));
        auto it = cache_.find(key);
        if (it == cache_.end()) {
            const std::map<std::string, std::string> labels{{"code", std::to_string(code)},
                                                            {"method", std::string(method)}};
            auto& counter = m_.requests.Add(labels);
            auto& histogram = m_.duration.Add(labels, prometheus::Histogram::BucketBoundaries{
                                                          .005, .01, .025, .05, .1, .25, .5, 1,
                                                          2.5, 5, 10});
            it = cache_.emplace(key, std::make_pair(&counter, &histogram)).first;
        }
        it->second.first->Increment();
        it->second.second->Observe(seconds);
    }

private:
    Metrics& m_;
    std::map<std::pair<int, std::string>, std::pair<prometheus::Counter*, prometheus::Histogram*>>
        cache_;
};

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

struct Watchdog::Impl {
    Impl(Config c, log::Logger l)
        : config(std::move(c)), log(std::move(l)), shared(config, log), pool(config.threads) {}

    awaitable<void> handle(ThreadContext& ctx, MetricCache& cache, http::Exchange& ex);
    awaitable<void> health(http::Exchange& ex);
    awaitable<void> ready(ThreadContext& ctx, http::Exchange& ex);
    awaitable<void> shutdown_sequence();
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
    std::optional<asio::signal_set> signals;
    std::optional<asio::steady_timer> drain_delay;
    bool shutdown_started = false;
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
                   std::strerror(errno));
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
    if (ex.method() != "GET") {
        (void)co_await ex.respond(http::text_error(405, "Method Not Allowed"));
        co_return;
    }
    if (healthy()) {
        http::Response res;
        res.headers.set("Content-Type", "text/plain; charset=utf-8");
        res.body = "OK";
        (void)co_await ex.respond(std::move(res));
    } else {
        (void)co_await ex.respond(http::text_error(503, "Service Unavailable"));
    }
}

awaitable<void> Watchdog::Impl::ready(ThreadContext& ctx, http::Exchange& ex) {
    if (ex.method() != "GET") {
        (void)co_await ex.respond(http::text_error(405, "Method Not Allowed"));
        co_return;
    }
    if (!healthy()) {
        (void)co_await ex.respond(http::text_error(503, "Service Unavailable"));
        co_return;
    }
    if (config.max_inflight != 0 && inflight.load() >= config.max_inflight) {
        (void)co_await ex.respond(http::text_error(429, "Concurrent request limit exceeded"));
        co_return;
    }
    if (config.mode == Mode::Http && !config.ready_path.empty()) {
        http::Request req;
        req.method = "GET";
        req.target = shared.upstream_prefix + config.ready_path;
        http::CallOptions o;
        o.timeout = std::chrono::seconds(5);
        o.max_response_bytes = 64U * 1024U;
        auto r = co_await ctx.client->request(shared.upstream, std::move(req), o);
        if (!r) {
            (void)co_await ex.respond(http::text_error(503, r.error().what()));
        } else {
            http::Response res;
            res.status = r->status;
            res.body = std::move(r->body);
            (void)co_await ex.respond(std::move(res));
        }
        co_return;
    }
    http::Response res;
    res.body = "OK";
    (void)co_await ex.respond(std::move(res));
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
        (void)co_await ex.respond(std::move(res));
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

Watchdog::Watchdog(Config config, log::Logger log)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log))) {}

Watchdog::~Watchdog() = default;

int Watchdog::run() {
    Impl& d = *impl_;
    const Config& c = d.config;
    d.shared.base_env = process::current_environment();
    if (c.mode == Mode::Http) {
        auto url = http::parse_url(c.upstream_url);
        if (!url) {
            d.log->critical("upstream_url={}: {}", c.upstream_url, url.error().what());
            return 1;
        }
        d.shared.upstream = url->endpoint;
        if (d.shared.upstream.port == 0) {
            // Port 0: several replicas share one machine, so each picks a free loopback port
            // and tells its function through PORT (as Knative and Cloud Run do).
            auto port = free_port(d.shared.upstream.host);
            if (!port) {
                d.log->critical("upstream_url={}: {}", c.upstream_url, port.error().what());
                return 1;
            }
            d.shared.upstream.port = *port;
            d.log->info("upstream port chosen port={}", *port);
        }
        // In http mode the function always learns its port from PORT.
        std::erase_if(d.shared.base_env,
                      [](const std::string& e) { return e.starts_with("PORT="); });
        d.shared.base_env.push_back("PORT=" + std::to_string(d.shared.upstream.port));
        std::string prefix = url->path;
        while (!prefix.empty() && prefix.back() == '/') {
            prefix.pop_back();
        }
        d.shared.upstream_prefix = prefix;
    }
    std::vector<std::string> prespawn_env = d.shared.base_env;
    prespawn_env.emplace_back("Http_Prespawn=true");

    http::ServerOptions so;
    so.port = c.port;
    so.read_timeout = c.read_timeout;
    so.write_timeout = c.write_timeout;
    try {
        d.server = std::make_unique<http::Server>(
            d.pool, so,
            [&d, &prespawn_env](asio::io_context& ioc) -> http::Handler {
                auto ctx = std::make_unique<ThreadContext>(ioc);
                if (d.config.mode == Mode::Http) {
                    ctx->client = std::make_unique<http::ClientPool>(ioc.get_executor());
                }
                if (d.config.prespawn > 0) {
                    process::SpawnOptions o;
                    o.argv = d.config.argv;
                    o.env = prespawn_env;
                    o.err = d.config.combine_output ? process::Stdio::ToStdout : process::Stdio::Pipe;
                    const std::size_t per_thread =
                        (d.config.prespawn + d.pool.size() - 1) / d.pool.size();
                    ctx->prespawn = std::make_unique<PrespawnPool>(ioc.get_executor(), std::move(o),
                                                                   per_thread);
                }
                d.caches.push_back(std::make_unique<MetricCache>(d.metrics));
                ThreadContext* raw = ctx.get();
                MetricCache* cache = d.caches.back().get();
                d.contexts.push_back(std::move(ctx));
                return [&d, raw, cache](http::Exchange& ex) { return d.handle(*raw, *cache, ex); };
            },
            d.log);
        if (c.metrics_port >= 0) {
            http::ServerOptions mo;
            mo.port = static_cast<std::uint16_t>(c.metrics_port);
            d.metrics_server = std::make_unique<http::Server>(
                d.pool, mo,
                [&d](asio::io_context&) -> http::Handler {
                    return [&d](http::Exchange& ex) -> awaitable<void> {
                        if (ex.path() != "/metrics") {
                            (void)co_await ex.respond(http::text_error(404, "404 page not found"));
                            co_return;
                        }
                        http::Response res;
                        res.headers.set("Content-Type", metrics::kContentType);
                        res.body = metrics::serialize(d.metrics.registry);
                        (void)co_await ex.respond(std::move(res));
                    };
                },
                d.log);
        }
    } catch (const std::system_error& e) {
        d.log->critical("cannot listen port={} error=\"{}\"", c.port, e.what());
        return 1;
    }
    // Pre-spawned processes start on their own threads' io_contexts.
    for (std::size_t i = 0; i < d.contexts.size(); ++i) {
        if (d.contexts[i]->prespawn) {
            asio::post(d.pool.context(i), [p = d.contexts[i]->prespawn.get()] { p->refill(); });
        }
    }

    d.signals.emplace(d.pool.context(0), SIGTERM, SIGINT);
    std::function<void(const error_code&, int)> on_signal = [&d, &on_signal](const error_code& ec,
                                                                            int sig) {
        if (ec) {
            return;
        }
        if (d.shutdown_started) {
            // A second signal skips the health-check grace period.
            d.log->info("signal {} again: draining now", sig);
            if (d.drain_delay) {
                d.drain_delay->cancel();
            }
        } else {
            d.shutdown_started = true;
            asio::co_spawn(d.pool.context(0), d.shutdown_sequence(), asio::detached);
        }
        d.signals->async_wait(on_signal);
    };
    d.signals->async_wait(on_signal);

    d.server->start();
    if (d.metrics_server) {
        d.metrics_server->start();
    }
    d.log->info("Listening on port: {}", d.server->port());
    d.log->info("listening port={} metrics_port={} mode={} threads={} fprocess=\"{}\"",
                d.server->port(), d.metrics_server ? static_cast<int>(d.metrics_server->port()) : -1,
                mode_name(c.mode), d.pool.size(), c.fprocess);
    d.log->flush();  // the line that says it is ready: not up to 100 ms late
    if (c.mode == Mode::Http) {
        d.upstream = std::make_unique<Upstream>(d.pool.context(0), d.shared);
        d.upstream->start([&d] { d.write_lock(); });
    } else {
        d.write_lock();
    }
    d.pool.run();
    d.remove_lock();
    return 0;
}

}  // namespace faas::watchdog
