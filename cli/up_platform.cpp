// faas up's Platform: starting each daemon in order and waiting until it serves, then the
// run from start to stop.
#include <fstream>
#include <ostream>

#include "cli/up_platform.hpp"

namespace faas::cli {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int Platform::fail_with(const std::string& message, int code) {
    return fail(io_out_, "up: " + message, code);
}

void Platform::arm_signals() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
        if (ec) {
            return;
        }
        if (!stop_requested_) {
            say(std::string("\nfaas up: ") + (sig == SIGINT ? "interrupted" : "terminated") +
                ", stopping");
        }
        stop_requested_ = true;
        wake_.notify();
        arm_signals();
    });
}

awaitable<bool> Platform::healthy(std::uint16_t port) {
    http::Request req;
    req.target = "/healthz";
    http::CallOptions options;
    options.timeout = 2s;
    // A named endpoint: g++ 12 destroys a braced temporary inside co_await twice.
    const http::Endpoint endpoint{"127.0.0.1", port};
    auto r = co_await pool_.request(endpoint, std::move(req), options);
    co_return r && r->status == 200;
}

awaitable<Status> Platform::wait_for(const std::string& what, std::chrono::nanoseconds timeout,
                                     const std::function<awaitable<bool>()>& check) {
    const auto start = Clock::now();
    auto next_note = start + 5s;
    asio::steady_timer timer(io_);
    for (;;) {
        if (stop_requested_) {
            co_return make_error(errc::unavailable, "interrupted");
        }
        if (const Daemon* dead = daemons_.dead()) {
            co_return make_error(errc::process_failed, dead->spec.name + " exited");
        }
        if (co_await check()) {
            co_return Status{};
        }
        const auto now = Clock::now();
        if (now - start > timeout) {
            co_return make_error(errc::timeout,
                                 what + ": not ready within " + seconds_text(timeout));
        }
        if (now > next_note) {
            say("faas up: still waiting for " + what + " (" + seconds_text(now - start) + ")");
            next_note = now + 5s;
        }
        timer.expires_after(kPoll);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
}

awaitable<bool> Platform::accepts(std::uint16_t port) {
    asio::ip::tcp::socket socket(io_);
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    boost::system::error_code ec;
    co_await socket.async_connect(endpoint, asio::redirect_error(use_awaitable, ec));
    co_return !ec;
}

awaitable<Result<std::uint16_t>> Platform::wait_serving(Daemon* d, const std::string& what) {
    // The checks and names are named locals, not temporaries inside co_await (core/asio.hpp).
    const std::function<awaitable<bool>()> has_port = [d]() -> awaitable<bool> {
        co_return d->listening_port.has_value();
    };
    auto listening = co_await wait_for(what, options_.start_timeout, has_port);
    if (!listening) {
        co_return listening.error();
    }
    const std::uint16_t port = *d->listening_port;
    const std::string health = what + " /healthz";
    const std::function<awaitable<bool>()> answers = [this, port] { return healthy(port); };
    auto up = co_await wait_for(health, options_.start_timeout, answers);
    if (!up) {
        co_return up.error();
    }
    co_return port;
}

awaitable<int> Platform::start_nats() {
    const auto t0 = Clock::now();
    const fs::path dir = options_.state_dir / "nats";
    const fs::path conf = dir / "nats-server.conf";
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream(conf, std::ios::trunc) << nats_config();
    if (ec || !fs::exists(conf)) {
        co_return fail_with("cannot write " + conf.string());
    }
    DaemonSpec spec;
    spec.name = "nats";
    spec.path = bins_.nats_server;
    spec.args = {"-js", "-a",         "127.0.0.1", "-p",         std::to_string(nats_port_),
                 "-sd", dir.string(), "-c",        conf.string()};
    spec.restart = true;  // its state is the store on disk
    spec.ready_marker = "Server is ready";
    auto nats = daemons_.start(std::move(spec));
    if (!nats) {
        co_return fail_with(nats.error().what());
    }
    Daemon* n = *nats;
    const std::uint16_t port = nats_port_;
    const std::string what = "nats-server";
    const std::function<awaitable<bool>()> accepting = [this, n, port]() -> awaitable<bool> {
        if (!n->ready) {
            co_return false;
        }
        co_return co_await accepts(port);
    };
    auto ready = co_await wait_for(what, options_.start_timeout, accepting);
    if (!ready) {
        co_return -1;
    }
    say("faas up: nats-server (JetStream) is ready on 127.0.0.1:" + std::to_string(port) +
        " (pid " + std::to_string(n->pid()) + ", " + seconds_text(Clock::now() - t0) + ")");
    co_return 0;
}

awaitable<int> Platform::start_provider() {
    const auto t0 = Clock::now();
    const std::string state = options_.state_dir.string();
    DaemonSpec spec;
    spec.name = "provider";
    spec.path = bins_.provider;
    spec.env = {"port=0", "bind_address=127.0.0.1", "state_dir=" + state,
                "FAAS_STATE_DIR=" + state};
    auto provider = daemons_.start(std::move(spec));
    if (!provider) {
        co_return fail_with(provider.error().what());
    }
    Daemon* p = *provider;
    const std::string what = "faas-provider";
    auto port = co_await wait_serving(p, what);
    if (!port) {
        co_return -1;
    }
    provider_port_ = *port;
    say("faas up: faas-provider is healthy on 127.0.0.1:" + std::to_string(provider_port_) +
        " (pid " + std::to_string(p->pid()) + ", " + seconds_text(Clock::now() - t0) + ")");
    co_return 0;
}

awaitable<int> Platform::start_gateway() {
    const auto t0 = Clock::now();
    DaemonSpec spec;
    spec.name = "gateway";
    spec.path = bins_.gateway;
    spec.env = {"port=" + std::to_string(options_.port),
                "bind_address=" + options_.bind,
                "metrics_port=" + std::to_string(metrics_port_),
                "functions_provider_url=http://127.0.0.1:" + std::to_string(provider_port_) + "/",
                "faas_nats_address=127.0.0.1",
                "faas_nats_port=" + std::to_string(nats_port_),
                "callback_allow_hosts=" + callback_allow_hosts(io_out_.env)};
    auto gateway = daemons_.start(std::move(spec));
    if (!gateway) {
        co_return fail_with(gateway.error().what());
    }
    const std::uint16_t gw_port = options_.port;
    const std::string what = "gateway /healthz";
    const std::function<awaitable<bool>()> answers = [this, gw_port] { return healthy(gw_port); };
    auto up = co_await wait_for(what, options_.start_timeout, answers);
    if (!up) {
        co_return -1;
    }
    say("faas up: gateway is healthy on " + options_.bind + ":" + std::to_string(options_.port) +
        " (pid " + std::to_string((*gateway)->pid()) + ", " + seconds_text(Clock::now() - t0) +
        ")");
    co_return 0;
}

awaitable<int> Platform::start_queue_worker() {
    const auto t0 = Clock::now();
    // The worker calls functions through the gateway (its replica choice, scale from zero).
    DaemonSpec spec;
    spec.name = "queue-worker";
    spec.path = bins_.queue_worker;
    spec.env = {"faas_nats_address=127.0.0.1",
                "faas_nats_port=" + std::to_string(nats_port_),
                "faas_gateway_address=" + local_host(options_.bind),
                "faas_gateway_port=" + std::to_string(options_.port),
                "metrics_port=0",
                "bind_address=127.0.0.1",
                "callback_allow_hosts=" + callback_allow_hosts(io_out_.env)};
    spec.restart = true;  // stateless: every message waits in JetStream until it is acked
    auto worker = daemons_.start(std::move(spec));
    if (!worker) {
        co_return fail_with(worker.error().what());
    }
    Daemon* w = *worker;
    const std::string what = "queue-worker";
    auto port = co_await wait_serving(w, what);
    if (!port) {
        co_return -1;
    }
    worker_metrics_port_ = *port;
    say("faas up: queue-worker is healthy (metrics on 127.0.0.1:" +
        std::to_string(worker_metrics_port_) + ", pid " + std::to_string(w->pid()) + ", " +
        seconds_text(Clock::now() - t0) + ")");
    co_return 0;
}

awaitable<int> Platform::start_all() {
    int rc = co_await start_nats();
    if (rc == 0) {
        rc = co_await start_provider();
    }
    if (rc == 0) {
        rc = co_await start_gateway();
    }
    if (rc == 0) {
        rc = co_await start_queue_worker();
    }
    co_return rc;
}

awaitable<int> Platform::run(std::uint16_t metrics_port, std::uint16_t nats_port) {
    metrics_port_ = metrics_port;
    nats_port_ = nats_port;
    arm_signals();
    int rc = co_await start_all();
    if (rc == 0) {
        rc = co_await serve();
    }
    const Daemon* dead = daemons_.dead();
    if (dead != nullptr) {
        fail_with(dead->spec.name + " (pid " + std::to_string(dead->pid()) + ") exited: " +
                  dead->status->describe() + "; its last lines (" + dead->log_path.string() + "):");
        for (const auto& line : dead->last_lines) {
            io_out_.err << "    " << line << "\n";
        }
        rc = kExitFailed;
    } else if (rc == -1) {
        rc = stop_requested_ ? kExitOk : kExitFailed;
        if (!stop_requested_) {
            fail_with("start-up did not finish in time; logs in " +
                      (options_.state_dir / "logs").string());
        }
    }
    co_await daemons_.stop_all();
    signals_.cancel();
    say(rc == kExitOk ? "faas up: stopped" : "faas up: stopped after a failure");
    co_return rc;
}

}  // namespace faas::cli
