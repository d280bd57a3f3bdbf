// GET /system/logs for the Kubernetes back end: the function's pods are listed, and each pod's
// pods/<pod>/log (timestamps=true) is read beside the others, merged, with the pod's name as the
// instance. Runs on the handler's thread with an ApiClient of its own.
#include <algorithm>
#include <deque>

#include "core/async/async_event.hpp"
#include "provider/backends/kubernetes/backend.hpp"
#include "provider/backends/kubernetes/backend_impl.hpp"
#include "provider/backends/kubernetes/spec.hpp"

namespace faas::provider::kubernetes {

using namespace std::chrono_literals;

namespace {

// Shared by logs() and the readers of the pods' logs beside it. A stream's sink is not a
// coroutine and cannot write to the client itself: lines queue here.
struct PodLogs {
    PodLogs(const asio::any_io_executor& ex, const ApiTarget& target)
        : api(ex, target), ready(ex) {}
    // This request's own client: the back end's belongs to the control thread, and a reader
    // may outlive logs() by one line.
    ApiClient api;
    std::deque<LogLine> lines;
    LogLine current;
    async::AsyncEvent ready;
    std::size_t running = 0;
    bool client_gone = false;
};

// "<RFC 3339 time> <text>" as timestamps=true writes each line.
LogLine log_line(const LogRequest& r, const std::string& pod, std::string_view raw) {
    if (!raw.empty() && raw.back() == '\r') {
        raw.remove_suffix(1);
    }
    const auto space = raw.find(' ');
    LogLine l{r.name, r.namespace_, pod, "", std::string(raw)};
    if (space != std::string_view::npos && openfaas::parse_rfc3339(raw.substr(0, space))) {
        l.timestamp = std::string(raw.substr(0, space));
        l.text = std::string(raw.substr(space + 1));
    }
    return l;
}

std::string log_path(const LogRequest& r, const std::string& pod) {
    std::string path = core_path(r.namespace_, "pods/" + pod + "/log") + "?timestamps=true";
    path += r.follow ? "&follow=true" : "&follow=false";
    if (r.query.tail > 0) {
        path += "&tailLines=" + std::to_string(r.query.tail);
    }
    if (r.query.since) {
        path += "&sinceTime=" + query_escape(openfaas::rfc3339(*r.query.since));
    }
    return path;
}

// Reads one pod's log into `shared` beside logs(). Holds no reference to the back end.
void start_reader(const asio::any_io_executor& ex, const std::shared_ptr<PodLogs>& shared,
                  const log::Logger& log, const LogRequest& r, const std::string& pod) {
    ++shared->running;
    auto run = [shared, log, r, pod]() -> awaitable<void> {
        auto partial = std::make_shared<std::string>();
        // A named sink, not a lambda built in the co_await expression (g++ 12, core/asio.hpp).
        http::BodySink body = [shared, partial, &r, &pod](std::string_view piece) {
            partial->append(piece);
            std::size_t start = 0;
            for (auto nl = partial->find('\n'); nl != std::string::npos;
                 nl = partial->find('\n', start)) {
                shared->lines.push_back(log_line(r, pod, {partial->data() + start, nl - start}));
                start = nl + 1;
            }
            partial->erase(0, start);
            shared->ready.notify();
            return !shared->client_gone;
        };
        const std::string path = log_path(r, pod);
        const std::string what = "reading the log of pod " + pod;
        http::StreamOptions opts;
        const Status st = co_await shared->api.stream(path, opts, std::move(body), what);
        if (!partial->empty()) {
            shared->lines.push_back(log_line(r, pod, *partial));
        }
        if (!st && !shared->client_gone) {
            log->warn("pod log failed fn={} pod={} error=\"{}\"", r.name, pod, st.error().what());
        }
        --shared->running;
        shared->ready.notify();
    };
    asio::co_spawn(ex, std::move(run), asio::detached);
}

// The function's pods (errc::not_found when it is not a function), oldest first, those of
// `instance` only when it is set (a pod name or its prefix).
awaitable<Result<std::vector<std::string>>> function_pods(ApiClient& api, const LogRequest& r,
                                                          const std::string& deployment) {
    const std::string missing = "function " + r.name + " not found in namespace " + r.namespace_;
    const std::string what = "reading function " + r.name;
    auto body = co_await api.get(deployment, what);
    auto fn = body ? parse_deployment(*body) : Result<DeploymentInfo>(body.error());
    if (!fn || !fn->is_function) {
        co_return (fn || fn.error().code == errc::not_found) ? make_error(errc::not_found, missing)
                                                             : fn.error();
    }
    const std::string selector = std::string(kFunctionLabel) + "=" + r.name;
    const std::string path = core_path(r.namespace_, "pods") + "?labelSelector=" +
                             query_escape(selector);
    const std::string listing = "listing the pods of " + r.name;
    auto pods = co_await api.get(path, listing);
    auto names = pods ? parse_pod_names(*pods) : Result<std::vector<std::string>>(pods.error());
    if (names && !r.query.instance.empty()) {
        std::erase_if(*names, [&r](const std::string& p) {
            return !p.starts_with(r.query.instance);
        });
    }
    co_return names;
}

// Without follow the lines of every pod are complete: one merged history, oldest first, the
// last `tail` of it.
void merge_history(std::deque<LogLine>& lines, std::int64_t tail) {
    std::stable_sort(lines.begin(), lines.end(),
                     [](const LogLine& a, const LogLine& b) { return a.timestamp < b.timestamp; });
    if (tail > 0 && lines.size() > static_cast<std::size_t>(tail)) {
        lines.erase(lines.begin(), lines.end() - tail);
    }
}

}  // namespace

awaitable<Status> KubernetesBackend::logs(const LogRequest& r, LogSink& sink) {
    if (!openfaas::valid_dns_label(r.name) || !openfaas::valid_dns_label(r.namespace_)) {
        co_return make_error(errc::not_found, "function " + r.name + " not found");
    }
    const auto here = co_await asio::this_coro::executor;
    auto shared = std::make_shared<PodLogs>(here, target_);
    const std::string deployment = deployment_path(r.namespace_, r.name);
    auto pods = co_await function_pods(shared->api, r, deployment);
    if (!pods) {
        co_return pods.error();
    }
    if (!co_await sink.open()) {
        co_return Status{};
    }
    for (const auto& pod : *pods) {
        start_reader(here, shared, log_, r, pod);
    }
    while (true) {
        const bool wait = r.follow ? shared->lines.empty() : shared->running > 0;
        if (wait && shared->running > 0) {
            shared->ready.reset();
            (void)co_await shared->ready.wait_for(30s);
            if (stopping_) {
                break;
            }
            continue;
        }
        if (!r.follow) {
            merge_history(shared->lines, r.query.tail);
        }
        // No local with a destructor in this loop: g++ 12 destroys such locals twice when a
        // co_await sits beside them. The line being written lives in `shared`.
        bool ok = true;
        while (ok && !shared->lines.empty()) {
            shared->current = std::move(shared->lines.front());
            shared->lines.pop_front();
            ok = co_await sink.write(shared->current);
        }
        if (!ok || stopping_ || shared->running == 0) {
            break;
        }
    }
    shared->client_gone = true;
    co_return Status{};
}

}  // namespace faas::provider::kubernetes
