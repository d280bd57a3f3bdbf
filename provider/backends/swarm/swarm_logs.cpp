// GET /system/logs for the Swarm back end: dockerd's service log stream, demultiplexed into
// lines. Runs on the handler's thread with a client pool of its own.
#include <deque>

#include "core/async/async_event.hpp"
#include "provider/backends/swarm/swarm_backend.hpp"
#include "provider/backends/swarm/swarm_backend_impl.hpp"

namespace faas::provider::swarm {

using namespace std::chrono_literals;

namespace {

// Shared by logs() and the coroutine that reads dockerd's stream beside it. The stream's sink
// is not a coroutine and cannot write to the client itself: lines queue here.
struct LogStream {
    explicit LogStream(const asio::any_io_executor& e) : pool(e), ready(e), done(e) {}
    // This stream's own pool: the back end's pools belong to the control thread, and the
    // reader may outlive logs() by one line of dockerd's (see the end of logs()).
    http::ClientPool pool;
    std::deque<LogLine> lines;
    LogLine current;
    async::AsyncEvent ready;
    async::AsyncEvent done;
    bool client_gone = false;
};

// Reads GET `target` (dockerd's log stream) beside logs(): lines of `r` go to `shared`, which
// says when the stream has ended. Holds no reference to the back end.
void start_reader(const asio::any_io_executor& ex,
                  const std::shared_ptr<LogStream>& shared,
                  const http::Endpoint& dockerd,
                  const log::Logger& log,
                  const LogRequest& r,
                  std::string target) {
    auto demux = std::make_shared<swarm::LogDemux>(
        [shared, name = r.name, ns = r.namespace_, instance = r.query.instance](
            int /*stream*/, std::string_view text) {
            auto l = swarm::parse_log_line(text);
            if (!instance.empty() && !l.task_id.starts_with(instance)) {
                return;
            }
            shared->lines.push_back(LogLine{name, ns, l.task_id, l.timestamp, l.text});
            shared->ready.notify();
        });
    http::Request req;
    req.target = std::move(target);
    http::StreamOptions so;
    so.head_timeout = 30s;
    auto run = [dockerd, log, req = std::move(req), so, shared,
                demux]() mutable -> awaitable<void> {
        // A named sink, not a lambda built in the co_await expression: g++ 12 destroys such a
        // by-value coroutine argument twice.
        http::BodySink body = [shared, demux](std::string_view piece) {
            demux->feed(piece);
            return !shared->client_gone;
        };
        auto res = co_await shared->pool.stream(dockerd, std::move(req), so, std::move(body));
        demux->finish();
        if (res && res->status >= 300) {
            log->warn("service logs answered status={} message=\"{}\"", res->status,
                      swarm::docker_message(res->body));
        }
        shared->done.notify();
        shared->ready.notify();
    };
    asio::co_spawn(ex, std::move(run), asio::detached);
}

}  // namespace

awaitable<Result<std::string>> SwarmBackend::log_service_id(http::ClientPool& pool,
                                                            const std::string& name) {
    const std::string target = "/services/" + name;
    auto svc = co_await docker(pool, "GET", target, "");
    if (!svc) {
        co_return svc.error();
    }
    auto info = svc->status == 200 ? swarm::parse_service(svc->body)
                                   : Result<swarm::ServiceInfo>(make_error(errc::not_found, ""));
    if (!info || !info->is_function || info->name != name) {
        co_return make_error(errc::not_found, "function " + name + " not found");
    }
    co_return info->id;
}

std::string SwarmBackend::logs_target(const std::string& service_id, const LogRequest& r) const {
    std::string target = std::string(kApi) + "/services/" + service_id +
                         "/logs?stdout=1&stderr=1&timestamps=1&details=1";
    target += r.follow ? "&follow=1" : "&follow=0";
    target += "&tail=" + (r.query.tail > 0 ? std::to_string(r.query.tail) : std::string("all"));
    if (r.query.since) {
        const auto secs =
            std::chrono::duration_cast<std::chrono::seconds>(r.query.since->time_since_epoch())
                .count();
        target += "&since=" + std::to_string(secs);
    }
    return target;
}

awaitable<Status> SwarmBackend::logs(const LogRequest& r, LogSink& sink) {
    if (r.namespace_ != config_.default_namespace || !openfaas::valid_route_name(r.name)) {
        co_return make_error(errc::not_found, "function " + r.name + " not found");
    }
    const auto here = co_await asio::this_coro::executor;
    auto shared = std::make_shared<LogStream>(here);
    auto id = co_await log_service_id(shared->pool, r.name);
    if (!id) {
        co_return id.error();
    }
    if (!co_await sink.open()) {
        co_return Status{};
    }
    start_reader(here, shared, dockerd_, log_, r, logs_target(*id, r));
    while (true) {
        if (shared->lines.empty() && !shared->done.is_set()) {
            shared->ready.reset();
            (void)co_await shared->ready.wait_for(30s);
        }
        // No local with a destructor in this loop: g++ 12 destroys such locals twice when a
        // co_await sits beside them. The line being written lives in `shared`.
        bool ok = true;
        while (ok && !shared->lines.empty()) {
            shared->current = std::move(shared->lines.front());
            shared->lines.pop_front();
            ok = co_await sink.write(shared->current);
        }
        if (!ok || stopping_) {
            shared->client_gone = true;
            break;
        }
        if (shared->done.is_set() && shared->lines.empty()) {
            break;
        }
    }
    // A follow the client left ends on dockerd's next line (the sink answers false); the
    // reader holds what it uses (the stream, dockerd's endpoint, the logger).
    co_return Status{};
}

}  // namespace faas::provider::swarm
