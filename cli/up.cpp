#include "cli/up.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <ostream>

#include "cli/deploy.hpp"
#include "core/async/async_event.hpp"
#include "core/config/env.hpp"
#include "core/process/child.hpp"

namespace faas::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kPoll = 50ms;
constexpr auto kStopGrace = 10s;
constexpr std::size_t kLastLines = 15;

std::string secs(Clock::duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs",  // NOLINT(cppcoreguidelines-pro-type-vararg)
                  std::chrono::duration<double>(d).count());
    return buf;
}

// One supervised daemon: its process, its log file, the last lines it wrote, how it ended.
struct Daemon {
    Daemon(std::string n, const asio::any_io_executor& ex)
        : name(std::move(n)), exited(ex) {}
    std::string name;
    std::optional<process::Child> child;
    pid_t pid = -1;
    std::ofstream log;
    fs::path log_path;
    std::deque<std::string> last_lines;
    std::optional<process::ExitStatus> status;
    async::AsyncEvent exited;
    std::optional<std::uint16_t> listening_port;
};

// The port of a "listening port=N" log line.
std::optional<std::uint16_t> listening_port_of(std::string_view line) {
    const auto at = line.find("listening");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const auto p = line.find("port=", at);
    if (p == std::string_view::npos) {
        return std::nullopt;
    }
    unsigned v = 0;
    std::size_t i = p + 5;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        v = v * 10 + static_cast<unsigned>(line[i] - '0');
        if (v > 65535) {
            return std::nullopt;
        }
    }
    if (i == p + 5 || v == 0) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(v);
}

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
    Platform(asio::io_context& io, UpOptions options, Io& out)
        : io_(io), options_(std::move(options)), io_out_(out), wake_(io.get_executor()),
          signals_(io, SIGINT, SIGTERM), pool_(io.get_executor()) {}

    awaitable<int> run();
    awaitable<int> run_with_metrics(std::uint16_t metrics_port) {
        metrics_port_ = metrics_port;
        return run();
    }

private:
    awaitable<int> start_all();
    awaitable<int> serve();
    awaitable<void> stop_all();
    Result<Daemon*> start(std::string name, const std::string& binary_env,
                          const std::string& binary, std::vector<std::string> env);
    awaitable<void> pump(Daemon* d);
    awaitable<void> watch(Daemon* d);
    awaitable<void> stop(Daemon* d);
    // Polls `check` until it is true, `timeout` passes, a daemon dies or a stop is requested.
    awaitable<Status> wait_for(const std::string& what, std::chrono::nanoseconds timeout,
                               const std::function<awaitable<bool>()>& check);
    awaitable<bool> healthy(std::uint16_t port);
    void arm_signals();
    void say(const std::string& line);
    int fail_with(const std::string& message, int code = kExitFailed);
    const Daemon* dead_daemon() const;
    void print_summary(const std::vector<openfaas::FunctionDeployment>& deployed);

    asio::io_context& io_;
    UpOptions options_;
    Io& io_out_;
    async::AsyncEvent wake_;
    asio::signal_set signals_;
    http::ClientPool pool_;
    std::vector<std::unique_ptr<Daemon>> daemons_;  // in start order; stopped in reverse
    bool stop_requested_ = false;
    bool stopping_ = false;
    std::uint16_t provider_port_ = 0;
    std::uint16_t metrics_port_ = 0;
};

void Platform::say(const std::string& line) {
    io_out_.out << line << "\n";
    io_out_.out.flush();
}

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

const Daemon* Platform::dead_daemon() const {
    for (const auto& d : daemons_) {
        if (d->status) {
            return d.get();
        }
    }
    return nullptr;
}

Result<Daemon*> Platform::start(std::string name, const std::string& binary_env,
                                const std::string& binary, std::vector<std::string> env) {
    std::string path = (options_.bin_dir / binary).string();
    if (auto override_path = io_out_.env(binary_env); override_path && !override_path->empty()) {
        path = *override_path;
    }
    if (::access(path.c_str(), X_OK) != 0) {
        return make_error(errc::not_found, path + " not found or not executable (build it with "
                                                  "scripts/build.sh, or set " + binary_env + ")");
    }
    auto d = std::make_unique<Daemon>(std::move(name), io_.get_executor());
    d->log_path = options_.state_dir / "logs" / (d->name + ".log");
    d->log.open(d->log_path, std::ios::app);
    if (!d->log) {
        return make_error(errc::internal, "cannot write " + d->log_path.string());
    }
    process::SpawnOptions spawn;
    spawn.argv = {path};
    spawn.env = process::current_environment();
    for (auto& e : env) {
        const auto key = e.substr(0, e.find('=') + 1);
        std::erase_if(spawn.env, [&](const std::string& have) { return have.rfind(key, 0) == 0; });
        spawn.env.push_back(std::move(e));
    }
    spawn.in = process::Stdio::Null;
    spawn.out = process::Stdio::Pipe;
    spawn.err = process::Stdio::ToStdout;
    auto child = process::Child::spawn(io_.get_executor(), spawn);
    if (!child) {
        return make_error(child.error().code, "starting " + path + ": " + child.error().what());
    }
    d->pid = child->pid();
    d->child.emplace(std::move(*child));
    Daemon* raw = d.get();
    daemons_.push_back(std::move(d));
    asio::co_spawn(io_, pump(raw), asio::detached);
    asio::co_spawn(io_, watch(raw), asio::detached);
    return raw;
}

awaitable<void> Platform::pump(Daemon* d) {
    std::string pending;
    std::array<char, 8192> buf{};
    auto& pipe = *d->child->stdout_pipe();
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await pipe.async_read_some(asio::buffer(buf),
                                                            asio::redirect_error(use_awaitable, ec));
        pending.append(buf.data(), n);
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
            const std::string line = pending.substr(start, nl - start);
            start = nl + 1;
            d->log << line << "\n";
            if (!options_.quiet) {
                io_out_.err << "[" << d->name << "] " << line << "\n";
            }
            d->last_lines.push_back(line);
            if (d->last_lines.size() > kLastLines) {
                d->last_lines.pop_front();
            }
            if (!d->listening_port) {
                if (auto p = listening_port_of(line)) {
                    d->listening_port = p;
                }
            }
        }
        pending.erase(0, start);
        d->log.flush();
        io_out_.err.flush();
        if (ec) {
            co_return;  // EOF: the daemon closed its output (it exited)
        }
    }
}

awaitable<void> Platform::watch(Daemon* d) {
    d->status = co_await d->child->wait(true);
    d->exited.notify();
    if (!stopping_) {
        wake_.notify();
    }
}

awaitable<void> Platform::stop(Daemon* d) {
    if (d->status) {
        co_return;
    }
    say("faas up: stopping " + d->name + " (pid " + std::to_string(d->pid) + ")");
    d->child->signal_group(SIGTERM);
    const auto deadline = Clock::now() + kStopGrace;
    asio::steady_timer timer(io_);
    while (!d->status) {
        if (Clock::now() > deadline) {
            say("faas up: " + d->name + " did not stop within " + secs(kStopGrace) +
                ", killing it");
            d->child->signal_group(SIGKILL);
            co_await d->exited.wait();
            break;
        }
        timer.expires_after(kPoll);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
}

awaitable<void> Platform::stop_all() {
    stopping_ = true;
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
        co_await stop(it->get());
    }
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
        if (const Daemon* dead = dead_daemon()) {
            co_return make_error(errc::process_failed, dead->name + " exited");
        }
        if (co_await check()) {
            co_return Status{};
        }
        const auto now = Clock::now();
        if (now - start > timeout) {
            co_return make_error(errc::timeout, what + ": not ready within " + secs(timeout));
        }
        if (now > next_note) {
            say("faas up: still waiting for " + what + " (" + secs(now - start) + ")");
            next_note = now + 5s;
        }
        timer.expires_after(kPoll);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
}

awaitable<int> Platform::start_all() {
    const auto t0 = Clock::now();
    const std::string state = options_.state_dir.string();
    auto provider = start("provider", "provider_path", "faas-provider",
                          {"port=0", "bind_address=127.0.0.1", "state_dir=" + state,
                           "FAAS_STATE_DIR=" + state});
    if (!provider) {
        co_return fail_with(provider.error().what());
    }
    Daemon* p = *provider;
    auto listening = co_await wait_for("faas-provider", options_.start_timeout,
                                       [p]() -> awaitable<bool> { co_return p->listening_port.has_value(); });
    if (listening) {
        provider_port_ = *p->listening_port;
        const std::uint16_t port = provider_port_;
        listening = co_await wait_for("faas-provider /healthz", options_.start_timeout,
                                      [this, port] { return healthy(port); });
    }
    if (!listening) {
        co_return -1;
    }
    say("faas up: faas-provider is healthy on 127.0.0.1:" + std::to_string(provider_port_) +
        " (pid " + std::to_string(p->pid) + ", " + secs(Clock::now() - t0) + ")");

    const auto t1 = Clock::now();
    auto gateway = start("gateway", "gateway_path", "gateway",
                         {"port=" + std::to_string(options_.port), "bind_address=" + options_.bind,
                          "metrics_port=" + std::to_string(metrics_port_),
                          "functions_provider_url=http://127.0.0.1:" +
                              std::to_string(provider_port_) + "/"});
    if (!gateway) {
        co_return fail_with(gateway.error().what());
    }
    const std::uint16_t gw_port = options_.port;
    auto up = co_await wait_for("gateway /healthz", options_.start_timeout,
                                [this, gw_port] { return healthy(gw_port); });
    if (!up) {
        co_return -1;
    }
    say("faas up: gateway is healthy on " + options_.bind + ":" + std::to_string(options_.port) +
        " (pid " + std::to_string((*gateway)->pid) + ", " + secs(Clock::now() - t1) + ")");
    co_return 0;
}

void Platform::print_summary(const std::vector<openfaas::FunctionDeployment>& deployed) {
    const std::string host = options_.bind == "0.0.0.0" ? "127.0.0.1" : options_.bind;
    const std::string gw = "http://" + host + ":" + std::to_string(options_.port);
    std::ostream& out = io_out_.out;
    out << "\nfaas is up.\n\n"
        << "  gateway    " << gw << "   (metrics: http://127.0.0.1:" << metrics_port_
        << "/metrics)\n"
        << "  provider   http://127.0.0.1:" << provider_port_ << "   (internal)\n"
        << "  state      " << options_.state_dir.string() << "\n"
        << "  logs       " << (options_.state_dir / "logs").string()
        << "/{provider,gateway}.log\n";
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
        while (!run->done && !stop_requested_ && dead_daemon() == nullptr) {
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
    while (!stop_requested_ && dead_daemon() == nullptr) {
        wake_.reset();
        co_await wake_.wait();
    }
    co_return 0;
}

awaitable<int> Platform::run() {
    arm_signals();
    int rc = co_await start_all();
    if (rc == 0) {
        rc = co_await serve();
    }
    const Daemon* dead = dead_daemon();
    if (dead != nullptr) {
        fail_with(dead->name + " (pid " + std::to_string(dead->pid) + ") exited: " +
                  dead->status->describe() + "; its last lines (" + dead->log_path.string() +
                  "):");
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
    co_await stop_all();
    signals_.cancel();
    say(rc == kExitOk ? "faas up: stopped" : "faas up: stopped after a failure");
    co_return rc;
}

}  // namespace

int run_up(const UpOptions& options, Io& io) {
    UpOptions o = options;
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
    std::error_code ec;
    fs::create_directories(o.state_dir / "logs", ec);
    if (ec) {
        return fail(io, "up: cannot create " + (o.state_dir / "logs").string() + ": " +
                            ec.message());
    }
    asio::io_context ctx;
    int rc = kExitFailed;
    {
        Platform platform(ctx, o, io);
        asio::co_spawn(
            ctx,
            [&]() -> awaitable<void> {
                rc = co_await platform.run_with_metrics(metrics);
                ctx.stop();
            },
            asio::detached);
        ctx.run();
    }
    return rc;
}

}  // namespace faas::cli
