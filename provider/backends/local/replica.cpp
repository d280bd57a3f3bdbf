// Replica supervision for the local back end: start a replica (launcher -> fwatchdog), detect
// readiness fast, health-check it, restart it with back-off when it exits, stop it gracefully.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <filesystem>
#include <random>
#include <system_error>

#include "core/text/text.hpp"
#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider::local {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kStderrTail = 20;
constexpr std::size_t kMaxLine = std::size_t{64} * 1024;

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

}  // namespace

void LocalBackend::start_replica(const FunctionPtr& fn) {
    auto r = std::make_shared<Replica>(ex_, fn->name() + "-" + random_suffix(), fn->version);
    r->dir = store_.replicas_dir() / fn->ns() / r->id;
    fn->replicas.push_back(r);
    r->supervising = true;
    tasks_.spawn(supervise(fn, r), [log = log_, id = r->id](std::exception_ptr e) {
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& ex) {
            log->error("replica supervisor failed replica={} error=\"{}\"", id, ex.what());
        }
    });
}

void LocalBackend::stop_replica(const FunctionPtr& fn, const ReplicaPtr& r, const char* why) {
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

awaitable<void> LocalBackend::stop_sequence(FunctionPtr fn, ReplicaPtr r) {
    // SIGTERM to the watchdog alone: a signal to the group could reach a function process the
    // watchdog is spawning (before its setpgid) and fail that call. The watchdog drains; its
    // leftovers are killed with the group when it has exited (wait(true)).
    if (r->child && !r->exited) {
        r->child->signal(SIGTERM);
    }
    r->wake.notify();
    if (!co_await r->done.wait_for(config_.local.stop_timeout)) {
        const auto timeout = config_.local.stop_timeout;
        log_->warn("replica did not stop in time fn={} replica={} timeout_ms={}: SIGKILL",
                   fn->name(), r->id,
                   std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
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

awaitable<void> LocalBackend::read_output(ReplicaPtr r, FunctionPtr fn, bool is_stderr) {
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

awaitable<void> LocalBackend::watch_exit(ReplicaPtr r) {
    r->exit_status = co_await r->child->wait(true);
    r->exited = true;
    r->wake.notify();
}

awaitable<void> LocalBackend::sleep_or_wake(Replica& r, std::chrono::nanoseconds d) {
    (void)co_await r.wake.wait_for(d);
}

awaitable<bool> LocalBackend::health_ok(const Replica& r, std::chrono::nanoseconds timeout) {
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
awaitable<bool> LocalBackend::wait_ready(ReplicaPtr r) {
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

awaitable<void> LocalBackend::supervise(FunctionPtr fn, ReplicaPtr r) {
    std::chrono::milliseconds backoff = 100ms;
    while (!r->stop_requested) {
        const auto started = std::chrono::steady_clock::now();
        if (!co_await run_once(fn, r, started)) {
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

awaitable<bool> LocalBackend::run_once(FunctionPtr fn, ReplicaPtr r,
                                       std::chrono::steady_clock::time_point started) {
    r->wake.reset();
    r->readers_done.reset();
    r->stderr_tail.clear();
    if (auto st = spawn(*fn, *r); !st) {
        log_->error("replica start failed fn={} replica={} error=\"{}\"", fn->name(), r->id,
                    st.error().what());
        logs_.append(fn->log_key, r->id, "replica start failed: " + st.error().what());
        co_return !r->stop_requested;
    }
    log_->info("replica started fn={} replica={} port={} pid={}", fn->name(), r->id, r->port,
               r->child->pid());
    if (!start_watchers(fn, r)) {
        // Shutting down before the exit watcher could start: kill and reap here.
        r->child->signal_group(SIGKILL);
        r->exit_status = co_await r->child->wait(true);
        r->exited = true;
    }
    if (co_await wait_ready(r)) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        log_->info("replica ready fn={} replica={} port={} ready_us={}", fn->name(), r->id,
                   r->port, us);
        r->state = Replica::State::Ready;
        reconcile(fn);
        publish();
    }
    co_await check_health(fn, r);
    // Wait for the exit (SIGTERM sent by stop_sequence), then for the pipe readers. Inline: as a
    // coroutine of its own, this wait was resumed with a corrupt frame under g++ 12 (SIGILL).
    while (!r->exited) {
        co_await r->wake.wait();
        r->wake.reset();
    }
    if (!co_await r->readers_done.wait_for(2s)) {
        close_pipes(*r);
        co_await r->readers_done.wait();
    }
    r->child.reset();
    if (r->stop_requested) {
        log_->info("replica stopped fn={} replica={} status=\"{}\"", fn->name(), r->id,
                   r->exit_status.describe());
        co_return false;
    }
    report_exit(*fn, *r);
    co_return !r->stop_requested;
}

bool LocalBackend::start_watchers(const FunctionPtr& fn, const ReplicaPtr& r) {
    r->readers = 2;
    for (const bool is_stderr : {false, true}) {
        if (!tasks_.spawn(read_output(r, fn, is_stderr)) && --r->readers == 0) {
            r->readers_done.notify();
        }
    }
    return tasks_.spawn(watch_exit(r));
}

awaitable<void> LocalBackend::check_health(FunctionPtr fn, ReplicaPtr r) {
    while (!r->exited && !r->stop_requested) {
        co_await sleep_or_wake(*r, config_.local.health_interval);
        if (r->exited || r->stop_requested) {
            break;
        }
        const bool ok = co_await health_ok(*r, config_.local.health_interval);
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
}

void LocalBackend::close_pipes(Replica& r) {
    if (r.child->stdout_pipe()) {
        r.child->stdout_pipe()->close();
    }
    if (r.child->stderr_pipe()) {
        r.child->stderr_pipe()->close();
    }
}

void LocalBackend::report_exit(const Function& fn, Replica& r) {
    std::string tail;
    for (const auto& l : r.stderr_tail) {
        tail += (tail.empty() ? "" : " | ") + l;
    }
    const std::string memory =
        fn.limits.memory_bytes ? fn.stored.deployment.limits->memory : "none";
    log_->warn(
        "replica exited fn={} replica={} status=\"{}\" restarts={} memory_limit={} "
        "stderr=\"{}\"",
        fn.name(), r.id, r.exit_status.describe(), r.restarts, memory, tail);
    logs_.append(fn.log_key, r.id,
                 "replica exited (" + r.exit_status.describe() + "), restarting");
    metrics_->restarts.Add({{"function_name", fn.log_key}}).Increment();
    ++r.restarts;
    if (r.state != Replica::State::Starting) {
        r.state = Replica::State::Starting;
        publish();
    }
}

}  // namespace faas::provider::local
