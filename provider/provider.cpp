#include "provider/provider.hpp"

#include <atomic>
#include <optional>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/daemon/signals.hpp"
#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "core/metrics/metrics.hpp"
#include "provider/api.hpp"
#include "provider/backends/factory.hpp"

namespace faas::provider {

struct Provider::Impl {
    Impl(Config c, log::Logger l) : config(std::move(c)), log(std::move(l)), pool(config.threads) {}

    awaitable<void> shutdown_sequence();

    Config config;
    log::Logger log;
    http::IoPool pool;
    metrics::Registry registry;
    std::unique_ptr<FunctionBackend> backend;
    std::unique_ptr<Api> api;
    std::unique_ptr<http::Server> server;
    std::optional<daemon::StopSignals> signals;
};

awaitable<void> Provider::Impl::shutdown_sequence() {
    log->info("shutdown: stopping the API and every replica");
    async::AsyncEvent drained(pool.context(0).get_executor());
    server->shutdown(std::chrono::seconds(1), [this, &drained] {
        asio::post(pool.context(0), [&drained] { drained.notify(); });
    });
    co_await backend->shutdown();
    co_await drained.wait();
    log->info("shutdown complete");
    pool.stop();
}

Provider::Provider(Config config, log::Logger log)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log))) {}

Provider::~Provider() = default;

int Provider::run() {
    Impl& d = *impl_;
    std::optional<http::Credentials> creds;
    if (d.config.basic_auth) {
        creds = http::load_credentials(d.config.secret_mount_path);
        d.log->info("basic auth enabled for /system/* secret_mount_path={}",
                    d.config.secret_mount_path);
    }
    asio::io_context& control = d.pool.context(0);
    d.backend = make_backend(d.config, control, d.log, d.registry);
    if (auto st = d.backend->start(); !st) {
        d.log->critical("cannot start state_dir={} error=\"{}\"", d.config.state_dir,
                        st.error().what());
        return 1;
    }
    d.api = std::make_unique<Api>(*d.backend, control, d.config, d.log, d.registry, creds);
    http::ServerOptions so;
    so.address = d.config.bind_address;
    so.port = d.config.port;
    // The endpoint long poll holds a request up to 60 s.
    so.read_timeout =
        std::max<std::chrono::nanoseconds>(d.config.read_timeout, std::chrono::seconds(65));
    so.write_timeout = d.config.write_timeout;
    try {
        d.server = std::make_unique<http::Server>(d.pool, so, d.api->factory(), d.log);
    } catch (const std::system_error& e) {
        d.log->critical("cannot listen port={} error=\"{}\"", d.config.port, e.what());
        return 1;
    }
    d.signals.emplace(control, [&d](int sig) {
        d.log->info("signal {} received", sig);
        return d.shutdown_sequence();
    });
    d.server->start();
    d.log->info("listening port={} provider={} state={} threads={}", d.server->port(),
                d.backend->provider_name(), d.backend->state_location(), d.pool.size());
    d.log->flush();  // the line that says it is ready: not up to 100 ms late
    d.pool.run();
    return 0;
}

}  // namespace faas::provider
