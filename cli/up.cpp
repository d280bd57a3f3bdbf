#include "cli/up.hpp"

#include <cstdio>
#include <fstream>
#include <memory>
#include <ostream>
#include <tuple>

#include <signal.h>
#include <unistd.h>

#include "cli/daemon.hpp"
#include "cli/deploy.hpp"
#include "core/async/async_event.hpp"
#include "core/config/env.hpp"
#include "core/process/child.hpp"

namespace faas::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// True when nothing listens on addr:port right now (we could bind it).
bool port_free(const std::string& addr, std::uint16_t port) {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(addr, ec);
    if (ec) {
        return false;
    }
    const asio::ip::tcp::endpoint ep(address, port);
    acceptor.open(ep.protocol(), ec);
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(ep, ec);
    return !ec;
}

std::uint16_t any_free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

class Platform {
public:
    Platform(asio::io_context& io, UpOptions options, UpBinaries bins, Io& out)
        : io_(io),
          options_(std::move(options)),
          bins_(std::move(bins)),
          io_out_(out),
          wake_(io.get_executor()),
          signals_(io, SIGINT, SIGTERM),
          pool_(io.get_executor()),
          daemons_(io, out, options_.state_dir / "logs", options_.quiet, wake_) {}

    awaitable<int> run(std::uint16_t metrics_port, std::uint16_t nats_port);

private:
    awaitable<int> start_all();
    awaitable<int> start_nats();
    awaitable<int> start_provider();
    awaitable<int> start_gateway();
    awaitable<int> start_queue_worker();
    awaitable<int> serve();
    // Polls `check` until it is true, `timeout` passes, a daemon dies or a stop is requested.
    awaitable<Status> wait_for(const std::string& what, std::chrono::nanoseconds timeout,
                               const std::function<awaitable<bool>()>& check);
    awaitable<bool> healthy(std::uint16_t port);
    // Waits for the daemon's "listening port=N" line, then for /healthz there; the port.
    awaitable<Result<std::uint16_t>> wait_serving(Daemon* d, const std::string& what);
    awaitable<bool> accepts(std::uint16_t port);
    void arm_signals();
    void say(const std::string& line) { daemons_.say(line); }
    int fail_with(const std::string& message, int code = kExitFailed);
    void print_summary(const std::vector<openfaas::FunctionDeployment>& deployed);

    asio::io_context& io_;
    UpOptions options_;
    UpBinaries bins_;
    Io& io_out_;
    async::AsyncEvent wake_;
    asio::signal_set signals_;
    http::ClientPool pool_;
    Supervisor daemons_;
    bool stop_requested_ = false;
    std::uint16_t provider_port_ = 0;
    std::uint16_t metrics_port_ = 0;
    std::uint16_t nats_port_ = 0;
    std::uint16_t worker_metrics_port_ = 0;
};

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
            co_return make_error(errc::timeout, what + ": not ready within " + seconds_text(timeout));
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
        " (pid " + std::to_string((*gateway)->pid()) + ", " + seconds_text(Clock::now() - t0) + ")");
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

void Platform::print_summary(const std::vector<openfaas::FunctionDeployment>& deployed) {
    const std::string host = local_host(options_.bind);
    const std::string gw = "http://" + host + ":" + std::to_string(options_.port);
    std::ostream& out = io_out_.out;
    out << "\nfaas is up.\n\n"
        << "  gateway    " << gw << "   (metrics: http://127.0.0.1:" << metrics_port_
        << "/metrics)\n"
        << "  provider   http://127.0.0.1:" << provider_port_ << "   (internal)\n"
        << "  nats       nats://127.0.0.1:" << nats_port_
        << "   (JetStream store: " << (options_.state_dir / "nats").string() << ")\n"
        << "  worker     queue-worker   (metrics: http://127.0.0.1:" << worker_metrics_port_
        << "/metrics)\n"
        << "  state      " << options_.state_dir.string() << "\n"
        << "  logs       " << (options_.state_dir / "logs").string()
        << "/{nats,provider,gateway,queue-worker}.log\n";
    if (!deployed.empty()) {
        out << "\nFunctions:\n";
        std::size_t width = 0;
        for (const auto& d : deployed) {
            width = std::max(width, d.service.size());
        }
        for (const auto& d : deployed) {
            out << "  " << d.service << std::string(width - d.service.size() + 3, ' ') << gw
                << "/function/" << d.service << "\n";
        }
        out << "\nTry:\n";
        for (const auto& d : deployed) {
            const auto& a = d.annotations;
            auto it = a ? a->find("com.faas.example") : decltype(a->end()){};
            if (a && it != a->end()) {
                std::string example = it->second;
                for (auto pos = example.find("{url}"); pos != std::string::npos;
                     pos = example.find("{url}")) {
                    example.replace(pos, 5, gw + "/function/" + d.service);
                }
                out << "  " << example << "\n";
            } else {
                out << "  curl -s " << gw << "/function/" << d.service << " -d hi\n";
            }
        }
    }
    out << "\n  faas list -g " << gw << "\n"
        << "  faas deploy -f stack.yml -g " << gw << "\n"
        << "  echo hi | faas invoke echo --async -g " << gw
        << "   (prints a call id: faas queue status ID)\n"
        << "  faas queue -g " << gw << "\n"
        << "\nPress Ctrl-C to stop.\n";
    out.flush();
}

awaitable<int> Platform::serve() {
    std::vector<openfaas::FunctionDeployment> deployed;
    if (!options_.stack.empty()) {
        auto stack = load_stack(options_.stack, io_out_.env);
        if (!stack) {
            co_return fail_with(stack.error().what(), kExitUsage);
        }
        // Deploying runs beside the wait for a signal or a dead daemon, so Ctrl-C is prompt; its
        // state is shared because it may outlive this frame when we stop early.
        struct DeployRun {
            DeployRun(http::ClientPool& pool, GatewayConfig gw) : api(pool, std::move(gw)) {}
            Api api;
            DeployPlan plan;
            DeployReport report;
            bool done = false;
        };
        GatewayConfig gw;
        gw.url = "http://127.0.0.1:" + std::to_string(options_.port);
        gw.endpoint = http::Endpoint{"127.0.0.1", options_.port};
        auto run = std::make_shared<DeployRun>(pool_, gw);
        for (const auto& fn : stack->functions) {
            run->plan.functions.push_back(to_deployment(fn, DeployOverrides{}));
        }
        run->plan.wait_timeout = options_.ready_timeout;
        say("faas up: deploying " + std::to_string(run->plan.functions.size()) +
            " functions from " + options_.stack.string());
        asio::co_spawn(
            io_,
            [this, run]() -> awaitable<void> {
                run->report = co_await deploy_all(run->api, run->plan, io_out_.out, io_out_.err,
                                                  io_out_.err_is_terminal);
                run->done = true;
                wake_.notify();
            },
            asio::detached);
        while (!run->done && !stop_requested_ && daemons_.dead() == nullptr) {
            wake_.reset();
            co_await wake_.wait();
        }
        if (!run->done) {
            co_return -1;
        }
        if (run->report.failed > 0) {
            say("faas up: " + std::to_string(run->report.failed) +
                " function(s) failed to deploy or start (see above); the rest are up");
        }
        deployed = run->plan.functions;
    }
    print_summary(deployed);
    while (!stop_requested_ && daemons_.dead() == nullptr) {
        wake_.reset();
        co_await wake_.wait();
    }
    co_return 0;
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

}  // namespace

Result<std::string> find_nats_server(const VarLookup& env,
                                     const std::vector<std::string>& fallback_dirs) {
    if (auto p = env("nats_server_path"); p && !p->empty()) {
        if (::access(p->c_str(), X_OK) != 0) {
            return make_error(errc::not_found,
                              "nats_server_path=" + *p + " is not an executable file");
        }
        return *p;
    }
    std::vector<fs::path> dirs;
    const std::string path = env("PATH").value_or("");
    for (std::size_t start = 0; start <= path.size();) {
        const auto colon = std::min(path.find(':', start), path.size());
        if (colon > start) {
            dirs.emplace_back(path.substr(start, colon - start));
        }
        start = colon + 1;
    }
    dirs.insert(dirs.end(), fallback_dirs.begin(), fallback_dirs.end());
    std::string fallbacks;
    for (const auto& dir : fallback_dirs) {
        fallbacks += ", " + dir;
    }
    for (const auto& dir : dirs) {
        const fs::path candidate = dir / "nats-server";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return make_error(errc::not_found,
                      "nats-server was not found (looked in PATH" + fallbacks + "); "
                      "install it with scripts/install-deps.sh (Debian: apt-get install "
                      "nats-server) or set nats_server_path");
}

Result<std::string> find_sibling(const VarLookup& env,
                                 const fs::path& bin_dir,
                                 const std::string& env_name,
                                 const std::string& binary) {
    std::string path = (bin_dir / binary).string();
    if (auto override_path = env(env_name); override_path && !override_path->empty()) {
        path = *override_path;
    }
    if (::access(path.c_str(), X_OK) != 0) {
        return make_error(errc::not_found, path +
                                               " not found or not executable (build it with "
                                               "scripts/build.sh, or set " +
                                               env_name + ")");
    }
    return path;
}

std::string nats_config() {
    return "# Written by faas up at every start. A queued request is JSON with the body in\n"
           "# base64: a 1 MiB body needs more than the default max_payload of 1 MB.\n"
           "max_payload: 8MB\n";
}

std::string callback_allow_hosts(const VarLookup& env) {
    return env("callback_allow_hosts").value_or("127.0.0.1,::1");
}

int run_up(const UpOptions& options, Io& io) {
    UpOptions o = options;
    UpBinaries bins;
    auto nats = find_nats_server(io.env);
    if (!nats) {
        return fail(io, "up: " + nats.error().what(), kExitUsage);
    }
    bins.nats_server = std::move(*nats);
    for (auto [field, env_name, binary] :
         {std::tuple{&bins.provider, "provider_path", "faas-provider"},
          std::tuple{&bins.gateway, "gateway_path", "gateway"},
          std::tuple{&bins.queue_worker, "queue_worker_path", "queue-worker"}}) {
        auto path = find_sibling(io.env, o.bin_dir, env_name, binary);
        if (!path) {
            return fail(io, "up: " + path.error().what());
        }
        *field = std::move(*path);
    }
    if (!port_free(o.bind, o.port)) {
        return fail(io, "up: port " + std::to_string(o.port) + " on " + o.bind +
                            " is already in use; stop what listens there (ss -ltnp 'sport = :" +
                            std::to_string(o.port) + "') or pick another with --port");
    }
    std::uint16_t metrics = o.metrics_port.value_or(8082);
    if (!port_free("127.0.0.1", metrics) && !port_free("0.0.0.0", metrics)) {
        if (o.metrics_port) {
            return fail(io, "up: metrics port " + std::to_string(metrics) +
                                " is already in use; pick another with --metrics-port");
        }
        metrics = any_free_port();
    }
    const std::uint16_t nats_port = o.nats_port ? *o.nats_port : any_free_port();
    if (o.nats_port && !port_free("127.0.0.1", nats_port)) {
        return fail(io, "up: NATS port " + std::to_string(nats_port) +
                            " is already in use; pick another with --nats-port (or leave it out "
                            "for a free one)");
    }
    std::error_code ec;
    fs::create_directories(o.state_dir / "logs", ec);
    if (ec) {
        return fail(io, "up: cannot create " + (o.state_dir / "logs").string() + ": " +
                            ec.message());
    }
    asio::io_context ctx;
    int rc = kExitFailed;
    {
        Platform platform(ctx, o, std::move(bins), io);
        asio::co_spawn(
            ctx,
            [&]() -> awaitable<void> {
                rc = co_await platform.run(metrics, nats_port);
                ctx.stop();
            },
            asio::detached);
        ctx.run();
    }
    return rc;
}

}  // namespace faas::cli
