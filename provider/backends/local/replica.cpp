// Replica supervision for the local back end: start a replica (launcher -> fwatchdog), detect
// readiness fast, health-check it, restart it with back-off when it exits, stop it gracefully.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <random>
#include <system_error>

#include "core/text/text.hpp"
#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kStderrTail = 20;
constexpr std::size_t kMaxLine = 64 * 1024;

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                              '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string s;
    auto v = rng();
    for (int i = 0; i < 5; ++i) {
        s.push_back(kHex[v & 0xFU]);
        v >>= 4U;
    }
    return s;
}

// A port that was free a moment ago. fwatchdog binds it right away; if another process takes
// it first, the replica exits and is restarted on another port.
std::uint16_t free_port(const asio::any_io_executor& ex) {
    asio::ip::tcp::acceptor a(ex);
    boost::system::error_code ec;
    a.open(asio::ip::tcp::v4(), ec);
    a.bind({asio::ip::make_address_v4("127.0.0.1"), 0}, ec);
    if (ec) {
        return 0;
    }
    return a.local_endpoint().port();
}

bool env_name_is(std::string_view entry, std::string_view name) {
    return entry.size() > name.size() && entry.substr(0, name.size()) == name &&
           entry[name.size()] == '=';
}

// The part of the provider's environment a function inherits: the basics a process needs, and
// the sanitizer settings of a test build. Provider settings (port, state_dir, basic_auth, ...)
// are not passed on.
bool inherited(std::string_view entry) {
    static constexpr std::array<std::string_view, 10> kNames{
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "LD_LIBRARY_PATH",
        "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    for (auto n : kNames) {
        if (env_name_is(entry, n)) {
            return true;
        }
    }
    return entry.starts_with("LC_");
}

std::string duration_env(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

}  // namespace

void Backend::start_replica(const FunctionPtr& fn) {
    auto r = std::make_shared<Replica>(ex_, fn->name() + "-" + random_suffix(), fn->version);
    r->dir = store_.replicas_dir() / fn->ns() / r->id;
    fn->replicas.push_back(r);
    r->supervising = true;
    tasks_.spawn(supervise(fn, r), [log = log_, id = r->id](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log->error("replica supervisor failed replica={} error=\"{}\"", id, ex.what());
        }
    });
}

void Backend::stop_replica(const FunctionPtr& fn, const ReplicaPtr& r, const char* why) {
    if (r->stop_requested) {
        return;
    }
    log_->info("replica stop fn={} replica={} reason=\"{}\"", fn->name(), r->id, why);
    // Out of the endpoint list (generation bump) before the SIGTERM.
    r->stop_requested = true;
    r->state = Replica::State::Stopping;
    publish();
    if (!tasks_.spawn(stop_sequence(fn, r))) {
        // Shutting down: the group is closed; signal directly, the supervisor reaps.
        if (r->child && !r->exited) {
            r->child->signal(SIGTERM);
        }
        r->wake.notify();
    }
}

awaitable<void> Backend::stop_sequence(FunctionPtr fn, ReplicaPtr r) {
    // SIGTERM to the watchdog alone: a signal to the group could reach a function process the
    // watchdog is spawning (before its setpgid) and fail that call. The watchdog drains; its
    // leftovers are killed with the group when it has exited (wait(true)).
    if (r->child && !r->exited) {
        r->child->signal(SIGTERM);
    }
    r->wake.notify();
    if (!co_await r->done.wait_for(config_.stop_timeout)) {
        log_->warn("replica did not stop in time fn={} replica={} timeout_ms={}: SIGKILL",
                   fn->name(), r->id,
                   std::chrono::duration_cast<std::chrono::milliseconds>(config_.stop_timeout).count());
        if (r->child && !r->exited) {
            r->child->signal_group(SIGKILL);
        }
        co_await r->done.wait();
    }
    auto& reps = fn->replicas;
    reps.erase(std::remove(reps.begin(), reps.end(), r), reps.end());
    std::error_code ec;
    fs::remove_all(r->dir, ec);
    limiter_.release(r->id);
    publish();
}

Status Backend::prepare_replica_dir(const Function& fn, Replica& r) const {
    std::error_code ec;
    fs::create_directories(r.dir / "tmp", ec);
    if (!ec) {
        fs::remove_all(r.dir / "secrets", ec);
        fs::create_directories(r.dir / "secrets", ec);
    }
    if (ec) {
        return make_error(ec, "cannot create " + r.dir.string() + ": " + ec.message());
    }
    // Secrets are for the function (same user) only.
    fs::permissions(r.dir / "secrets", fs::perms::owner_all, ec);
    // Only the secrets the function declared, copied at each start, so an update after
    // PUT /system/secrets sees the new value.
    for (const auto& s : fn.stored.deployment.secrets) {
        const fs::path from = store_.secret_path(fn.ns(), s);
        const fs::path to = r.dir / "secrets" / s;
        fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
        if (ec) {
            log_->warn("secret missing fn={} replica={} secret={} error=\"{}\"", fn.name(), r.id, s,
                       ec.message());
            ec.clear();
            continue;
        }
        fs::permissions(to, fs::perms::owner_read, ec);
    }
    return {};
}

std::vector<std::string> Backend::replica_env(const Function& fn, const Replica& r) const {
    std::map<std::string, std::string> env;
    for (const auto& e : base_env_) {
        if (inherited(e)) {
            const auto eq = e.find('=');
            env[e.substr(0, eq)] = e.substr(eq + 1);
        }
    }
    const auto& d = fn.stored.deployment;
    if (d.env_vars) {
        for (const auto& [k, v] : *d.env_vars) {
            env[k] = v;
        }
    }
    if (!d.env_process.empty()) {
        env["fprocess"] = d.env_process;
    }
    const std::string secrets = mount_secrets_ ? kSecretsPath : (r.dir / "secrets").string();
    env["secret_mount_path"] = secrets;
    env["OPENFAAS_SECRETS_DIR"] = secrets;
    // Ours, never overridden by envVars: the port the endpoint list announces, no second
    // listener, a private lock file, and a short drain (the replica left the list first).
    env["port"] = std::to_string(r.port);
    env["metrics_port"] = "-1";
    env["TMPDIR"] = (r.dir / "tmp").string();
    env["healthcheck_interval"] = duration_env(config_.replica_drain);
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) {
        out.push_back(k + "=" + v);
    }
    return out;
}

Status Backend::spawn(const Function& fn, Replica& r) {
    r.port = free_port(ex_);
    if (r.port == 0) {
        return make_error(errc::internal, "no free port");
    }
    if (auto st = prepare_replica_dir(fn, r); !st) {
        return st;
    }
    auto launch = limiter_.prepare(r.id, fn.limits);
    if (!launch) {
        return launch.error();
    }
    LaunchSpec spec;
    spec.watchdog = config_.fwatchdog_path;
    spec.secrets_dir = (r.dir / "secrets").string();
    spec.mount_secrets = mount_secrets_;
    spec.cgroup_procs = launch->cgroup_procs;
    spec.rlimit_as = launch->rlimit_as;
    spec.parent = ::getpid();
    process::SpawnOptions o;
    o.argv = launcher_argv(config_.launcher_path, config_.launcher_via_flag, spec);
    o.env = replica_env(fn, r);
    const auto& ann = fn.stored.deployment.annotations;
    auto wd = ann ? ann->find("com.faas.local.workdir") : openfaas::StringMap::const_iterator{};
    o.cwd = (ann && wd != ann->end() && !wd->second.empty()) ? wd->second : r.dir.string();
    o.in = process::Stdio::Null;
    o.out = process::Stdio::Pipe;
    o.err = process::Stdio::Pipe;
    auto child = process::Child::spawn(ex_, o);
    if (!child) {
        return child.error();
    }
    r.child.emplace(std::move(child).value());
    r.exited = false;
    return {};
}

awaitable<void> Backend::read_output(ReplicaPtr r, FunctionPtr fn, bool is_stderr) {
    auto& pipe = is_stderr ? r->child->stderr_pipe() : r->child->stdout_pipe();
    std::string pending;
    std::array<char, 8192> buf{};
    while (pipe && pipe->is_open()) {
        boost::system::error_code ec;
        const std::size_t n = co_await pipe->async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        if (n > 0) {
            pending.append(buf.data(), n);
            std::size_t start = 0;
            for (auto nl = pending.find('\n'); nl != std::string::npos;
                 nl = pending.find('\n', start)) {
                std::string line = pending.substr(start, nl - start);
                start = nl + 1;
                if (!line.empty() && line.back() == '\r') {
                    line.pop_back();
                }
                if (is_stderr) {
                    r->stderr_tail.push_back(line);
                    if (r->stderr_tail.size() > kStderrTail) {
                        r->stderr_tail.pop_front();
                    }
                }
                if (!fn->deleted) {
                    logs_.append(fn->log_key, r->id, std::move(line));
                }
            }
            pending.erase(0, start);
            if (pending.size() > kMaxLine) {
                if (!fn->deleted) {
                    logs_.append(fn->log_key, r->id, std::move(pending));
                }
                pending.clear();
            }
        }
        if (ec) {
            break;
        }
    }
    if (!pending.empty() && !fn->deleted) {
        logs_.append(fn->log_key, r->id, std::move(pending));
    }
    if (--r->readers == 0) {
        r->readers_done.notify();
    }
}

awaitable<void> Backend::watch_exit(ReplicaPtr r) {
    r->exit_status = co_await r->child->wait(true);
    r->exited = true;
    r->wake.notify();
}

awaitable<void> Backend::sleep_or_wake(Replica& r, std::chrono::nanoseconds d) {
    (void)co_await r.wake.wait_for(d);
}

awaitable<bool> Backend::health_ok(const Replica& r, std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = "GET";
    req.target = "/_/health";
    http::CallOptions opts;
    opts.timeout = timeout;
    http::Endpoint ep{"127.0.0.1", r.port};
    auto res = co_await client_.request(std::move(ep), std::move(req), opts);
    co_return res && res->status == 200;
}

// Fast readiness: the lock file is checked every 2 ms for the first 100 ms after the spawn
// (fwatchdog writes it once it listens), then less often; /_/health confirms.
awaitable<bool> Backend::wait_ready(ReplicaPtr r) {
    const auto start = std::chrono::steady_clock::now();
    const std::string lock = (r->dir / "tmp" / ".lock").string();
    asio::steady_timer timer(ex_);
    while (!r->exited && !r->stop_requested) {
        if (::access(lock.c_str(), F_OK) == 0 && co_await health_ok(*r, 1s)) {
            co_return true;
        }
        const auto age = std::chrono::steady_clock::now() - start;
        const auto step = age < 100ms ? 2ms : age < 1s ? 10ms : age < 10s ? 50ms : 250ms;
        timer.expires_after(step);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    co_return false;
}

awaitable<void> Backend::supervise(FunctionPtr fn, ReplicaPtr r) {
    std::chrono::milliseconds backoff = 100ms;
    while (!r->stop_requested) {
        r->wake.reset();
        r->readers_done.reset();
        r->stderr_tail.clear();
        const auto started = std::chrono::steady_clock::now();
        if (auto st = spawn(*fn, *r); !st) {
            log_->error("replica start failed fn={} replica={} error=\"{}\"", fn->name(), r->id,
                        st.error().what());
            logs_.append(fn->log_key, r->id, "replica start failed: " + st.error().what());
        } else {
            log_->info("replica started fn={} replica={} port={} pid={}", fn->name(), r->id,
                       r->port, r->child->pid());
            r->readers = 2;
            for (const bool is_stderr : {false, true}) {
                if (!tasks_.spawn(read_output(r, fn, is_stderr)) && --r->readers == 0) {
                    r->readers_done.notify();
                }
            }
            if (!tasks_.spawn(watch_exit(r))) {
                // Shutting down before the exit watcher could start: kill and reap here.
                r->child->signal_group(SIGKILL);
                r->exit_status = co_await r->child->wait(true);
                r->exited = true;
            }
            if (co_await wait_ready(r)) {
                const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
                log_->info("replica ready fn={} replica={} port={} ready_us={}", fn->name(), r->id,
                           r->port, ms);
                r->state = Replica::State::Ready;
                reconcile(fn);
                publish();
            }
            // Health checks until the process exits or a stop is requested.
            while (!r->exited && !r->stop_requested) {
                co_await sleep_or_wake(*r, config_.health_interval);
                if (r->exited || r->stop_requested) {
                    break;
                }
                const bool ok = co_await health_ok(*r, config_.health_interval);
                if (r->exited || r->stop_requested) {
                    break;
                }
                const auto next = ok ? Replica::State::Ready : Replica::State::Unhealthy;
                if (next != r->state) {
                    log_->warn("replica health fn={} replica={} healthy={}", fn->name(), r->id, ok);
                    r->state = next;
                    reconcile(fn);
                    publish();
                }
            }
            // Wait for the exit (SIGTERM sent by stop_sequence), then for the pipe readers.
            while (!r->exited) {
                co_await r->wake.wait();
                r->wake.reset();
            }
            if (!co_await r->readers_done.wait_for(2s)) {
                if (r->child->stdout_pipe()) {
                    r->child->stdout_pipe()->close();
                }
                if (r->child->stderr_pipe()) {
                    r->child->stderr_pipe()->close();
                }
                co_await r->readers_done.wait();
            }
            r->child.reset();
            if (r->stop_requested) {
                log_->info("replica stopped fn={} replica={} status=\"{}\"", fn->name(), r->id,
                           r->exit_status.describe());
                break;
            }
            std::string tail;
            for (const auto& l : r->stderr_tail) {
                tail += (tail.empty() ? "" : " | ") + l;
            }
            const std::string memory =
                fn->limits.memory_bytes ? fn->stored.deployment.limits->memory : "none";
            log_->warn(
                "replica exited fn={} replica={} status=\"{}\" restarts={} memory_limit={} "
                "stderr=\"{}\"",
                fn->name(), r->id, r->exit_status.describe(), r->restarts, memory, tail);
            logs_.append(fn->log_key, r->id,
                         "replica exited (" + r->exit_status.describe() + "), restarting");
            metrics_->restarts.Add({{"function_name", fn->log_key}}).Increment();
            ++r->restarts;
            if (r->state != Replica::State::Starting) {
                r->state = Replica::State::Starting;
                publish();
            }
        }
        if (r->stop_requested) {
            break;
        }
        // A replica that ran for a while starts again at once; quick crashes back off.
        if (std::chrono::steady_clock::now() - started > 10s) {
            backoff = 100ms;
        }
        r->wake.reset();
        co_await sleep_or_wake(*r, backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
    }
    limiter_.release(r->id);
    r->supervising = false;
    r->done.notify();
}

}  // namespace faas::provider
