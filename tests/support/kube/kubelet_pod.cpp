// A pod's life on the stand-in's node: wait for its volumes (secrets), start the container,
// probe it, restart it when it exits (restartPolicy Always, with back-off), and on deletion stop
// it as the kubelet does (SIGTERM, SIGKILL once the grace period is over), then remove the pod.
#include <algorithm>
#include <array>
#include <filesystem>

#include <signal.h>

#include "tests/support/kube/kubelet_impl.hpp"

namespace faas::test::kube {

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

bool stopping(const WorkerPtr& w) {
    return w->deleting || w->gone;
}

const Value* readiness_probe(const Value& pod) {
    const Value* cs = pod.at({"spec", "containers"});
    return cs != nullptr && !cs->empty() ? cs->items().front().find("readinessProbe") : nullptr;
}

}  // namespace

awaitable<void> Kubelet::Impl::sleep_or_wake(const WorkerPtr& w, std::chrono::nanoseconds d) {
    const auto steady = std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
    co_await w->wake.wait_for(steady);
    w->wake.reset();
}

awaitable<void> Kubelet::Impl::run_pod(WorkerPtr w) {
    if (co_await wait_for_volumes(w)) {
        w->ip = allocate_ip();
        auto backoff = std::chrono::duration_cast<std::chrono::nanoseconds>(options.backoff);
        while (co_await run_container(w)) {  // exited on its own: restart after the back-off
            ++w->restarts;
            status_crashed(w, backoff);
            co_await sleep_or_wake(w, backoff);
            backoff = std::min<std::chrono::nanoseconds>(backoff * 2, options.max_backoff);
            if (stopping(w)) {
                break;
            }
        }
    }
    finish(w);
}

// A missing secret keeps the pod in ContainerCreating, tried again every `retry`.
awaitable<bool> Kubelet::Impl::wait_for_volumes(const WorkerPtr& w) {
    while (!stopping(w)) {
        const Value* current = ctx->store.get(gvr::kPods, w->ns(), w->name());
        if (current == nullptr) {
            co_return false;
        }
        Status st = prepare_pod_dir(runtime, ctx->store, *current);
        if (st) {
            co_return true;
        }
        status_waiting(w, "ContainerCreating", st.error().message);
        const std::chrono::nanoseconds retry = options.retry;
        co_await sleep_or_wake(w, retry);
    }
    co_return false;
}

// Runs one instance of the container until it exits or the pod stops. True: it exited on its
// own (restart it); false: the pod is going away.
awaitable<bool> Kubelet::Impl::run_container(const WorkerPtr& w) {
    const Value* current = ctx->store.get(gvr::kPods, w->ns(), w->name());
    if (current == nullptr || stopping(w) || tasks->closed()) {
        co_return false;
    }
    auto child = start_container(ctx->io.get_executor(), runtime, *current, w->ip);
    if (!child) {
        ctx->log->warn("kubelet cannot start pod={} error=\"{}\"", w->name(),
                       child.error().message);
        status_waiting(w, "RunContainerError", child.error().message);
        co_return true;
    }
    w->child.emplace(std::move(child).value());
    w->exited = false;
    w->ready = false;
    w->started_at = ctx->store.now();
    const std::uint64_t run = ++w->run;
    status_running(w);
    if (!spawn(watch_exit(w), "exit " + w->name())) {  // the kubelet is stopping
        w->child->signal_group(SIGKILL);
        w->exit = co_await w->child->wait(true);
        w->exited = true;
        co_return false;
    }
    spawn(read_output(w, false), "stdout " + w->name());
    spawn(read_output(w, true), "stderr " + w->name());
    spawn(probe_loop(w, run), "probe " + w->name());
    while (!w->exited && !stopping(w)) {
        co_await w->wake.wait();
        w->wake.reset();
    }
    if (!w->exited) {
        co_await terminate(w);
    }
    w->ready = false;
    co_return !stopping(w);
}

awaitable<void> Kubelet::Impl::watch_exit(WorkerPtr w) {
    // kill_group: what the watchdog left running in its group goes with it.
    w->exit = co_await w->child->wait(true);
    w->exited = true;
    w->finished_at = ctx->store.now();
    w->wake.notify();
}

// Graceful stop: SIGTERM to the watchdog alone (it drains), SIGKILL to the group when the grace
// period is over; a force delete or the kubelet stopping kills at once.
awaitable<void> Kubelet::Impl::terminate(const WorkerPtr& w) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(w->grace);
    if (!w->gone && w->grace > 0) {
        w->child->signal(SIGTERM);
    }
    while (!w->exited) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (w->gone || left <= std::chrono::steady_clock::duration::zero()) {
            w->child->signal_group(SIGKILL);
            const std::chrono::steady_clock::duration reap = std::chrono::seconds(1);
            co_await w->wake.wait_for(reap);
        } else {
            co_await w->wake.wait_for(left);
        }
        w->wake.reset();
    }
}

awaitable<void> Kubelet::Impl::read_output(WorkerPtr w, bool is_stderr) {
    // The reader owns its pipe end: a restart replaces the Child while this may still drain.
    auto& slot = is_stderr ? w->child->stderr_pipe() : w->child->stdout_pipe();
    if (!slot) {
        co_return;
    }
    std::optional<asio::posix::stream_descriptor> pipe(std::move(*slot));
    slot.reset();
    std::string pending;
    std::array<char, 8192> buf{};
    while (pipe && pipe->is_open()) {
        boost::system::error_code ec;
        const std::size_t n = co_await pipe->async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        pending.append(buf.data(), n);
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos;
             nl = pending.find('\n', start)) {
            w->log->append(pending.substr(start, nl - start), ctx->store.now());
            start = nl + 1;
        }
        pending.erase(0, start);
        if (pending.size() > kMaxLine) {  // the runtime splits very long lines
            w->log->append(std::exchange(pending, {}), ctx->store.now());
        }
        if (ec) {
            break;
        }
    }
    if (!pending.empty()) {
        w->log->append(std::move(pending), ctx->store.now());
    }
}

// The readiness probe: every periodSeconds after initialDelaySeconds; ready after
// successThreshold successes in a row, not ready after failureThreshold failures. Without a
// probe the container is ready once it runs.
awaitable<void> Kubelet::Impl::probe_loop(WorkerPtr w, std::uint64_t run) {
    const Value* found = readiness_probe(w->pod);
    if (found == nullptr) {
        w->ready = true;
        status_ready(w);
        co_return;
    }
    const Value probe = *found;
    const auto period =
        std::chrono::seconds(std::max<std::int64_t>(1, probe.int_at({"periodSeconds"}, 10)));
    const std::int64_t successes_needed =
        std::max<std::int64_t>(1, probe.int_at({"successThreshold"}, 1));
    const std::int64_t failures_needed =
        std::max<std::int64_t>(1, probe.int_at({"failureThreshold"}, 3));
    asio::steady_timer timer(ctx->io);
    timer.expires_after(std::chrono::seconds(probe.int_at({"initialDelaySeconds"})));
    std::int64_t successes = 0;
    std::int64_t failures = 0;
    while (w->run == run && !w->exited && !w->gone && !tasks->closed()) {
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (w->run != run || w->exited || w->gone) {
            break;
        }
        const bool ok = co_await probe_once(w, probe);
        successes = ok ? successes + 1 : 0;
        failures = ok ? 0 : failures + 1;
        if ((!w->ready && successes >= successes_needed) ||
            (w->ready && failures >= failures_needed)) {
            w->ready = ok;
            status_ready(w);
        }
        timer.expires_after(period);
    }
}

awaitable<bool> Kubelet::Impl::probe_once(const WorkerPtr& w, const Value& probe) {
    const Value* get = probe.find("httpGet");
    if (get == nullptr) {
        co_return true;  // exec and tcpSocket probes: the process runs, that is all we know
    }
    const Value* port = get->find("port");
    std::int64_t number = port != nullptr && port->is_int() ? port->as_int() : 8080;
    if (port != nullptr && port->is_string()) {  // a named container port
        const Value* ports = w->pod.at({"spec", "containers"})->items().front().find("ports");
        for (const Value& p : ports != nullptr ? ports->items() : Value::Array{}) {
            if (p.string_at({"name"}) == port->as_string()) {
                number = p.int_at({"containerPort"});
            }
        }
    }
    const http::Endpoint endpoint(w->ip, static_cast<std::uint16_t>(number));
    http::Request req;
    req.target = get->contains("path") ? get->string_at({"path"}) : "/";
    http::CallOptions call;
    call.timeout =
        std::chrono::seconds(std::max<std::int64_t>(1, probe.int_at({"timeoutSeconds"}, 1)));
    auto res = co_await http->request(endpoint, req, call);
    co_return res && res->status >= 200 && res->status < 400;
}

// The container is gone for good: the last status, then the pod object goes (unless it went
// already), the address is free again and log followers end.
void Kubelet::Impl::finish(const WorkerPtr& w) {
    if (!w->gone && ctx->store.get(gvr::kPods, w->ns(), w->name()) != nullptr) {
        status_terminal(w);
        DeleteOptions o;
        o.grace_seconds = 0;
        o.precondition_uid = w->uid();
        (void)ctx->store.remove(gvr::kPods, w->ns(), w->name(), o);
    }
    if (!w->ip.empty()) {
        release_ip(w->ip);
    }
    w->log->close();
    std::error_code ec;
    std::filesystem::remove_all(pod_dir(runtime, w->pod), ec);
    workers.erase(w->uid());
}

}  // namespace faas::test::kube
