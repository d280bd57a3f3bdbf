#include "queue-worker/worker.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>

#include "core/daemon/admin.hpp"
#include "core/metrics/metrics.hpp"
#include "core/openfaas/async.hpp"
#include "queue-worker/worker_impl.hpp"

namespace faas::queue_worker {

namespace async_names = openfaas::async;
using std::chrono::milliseconds;

namespace {

// How long one fetch waits for a first message; also bounds how long SIGTERM waits for it.
constexpr milliseconds kFetchWait{1000};
// Messages asked for at once when a queue is busy.
constexpr int kMaxBatch = 64;

}  // namespace

Worker::Impl::Impl(Config c, log::Logger l)
    : config(std::move(c)),
      log(std::move(l)),
      ex(pool.context(0).get_executor()),
      gateway{config.gateway_address, config.gateway_port},
      loops(ex),
      calls(ex),
      statuses(ex),
      stop_event(ex),
      heartbeat_stop(ex) {
    call_options.timeout = config.upstream_timeout;
}

awaitable<void> Worker::Impl::sleep_unless_stopping(std::chrono::steady_clock::duration d) {
    (void)co_await stop_event.wait_for(d);
}

void Worker::Impl::release_slot(Queue& q) {
    --q.held;
    --held_total;
    for (auto& [name, queue] : queues) {
        queue->capacity.notify();
    }
}

awaitable<void> Worker::Impl::discover_loop() {
    while (!stopping) {
        try {
            co_await discover();
        } catch (const std::exception& e) {
            log->error("discovery_failed error=\"{}\"", e.what());
        }
        co_await sleep_unless_stopping(config.discovery_interval);
    }
}

awaitable<void> Worker::Impl::discover() {
    nats::JetStream* jet = js.get();
    const std::string stream = config.streams.request_stream;
    std::function<Result<std::vector<nats::ConsumerState>>()> read = [jet, stream] {
        return jet->consumers(stream);
    };
    auto reading = jet->blocking<Result<std::vector<nats::ConsumerState>>>(std::move(read));
    const Result<std::vector<nats::ConsumerState>> consumers = co_await std::move(reading);
    const std::set<std::string> names = queues_found(consumers);
    for (const auto& name : names) {
        co_await start_queue(name);
    }
}

std::set<std::string> Worker::Impl::queues_found(
    const Result<std::vector<nats::ConsumerState>>& consumers) {
    const std::set<std::string> configured(config.queues.begin(), config.queues.end());
    // A queue exists once it has a durable consumer (the gateway creates it with the queue's
    // first call), or when named in `queues`.
    std::set<std::string> names = configured;
    if (!consumers) {
        log->warn("queue_discovery_failed error=\"{}\"", consumers.error().what());
        return names;
    }
    std::map<std::string, double> depth;  // every queue in `names`
    for (const auto& c : consumers.value()) {
        auto q = async_names::parse_request_subject(config.streams, c.filter_subject);
        if (!q || (!configured.empty() && configured.count(*q) == 0)) {
            continue;
        }
        names.insert(*q);
        depth[*q] += static_cast<double>(c.pending + c.ack_pending);
    }
    for (const auto& name : names) {
        depth.try_emplace(name, 0.0);
    }
    for (const auto& [name, d] : depth) {
        metrics.set_depth(name, d);
    }
    return names;
}

awaitable<void> Worker::Impl::start_queue(const std::string& name) {
    nats::ConsumerSpec spec = async_names::queue_consumer_spec(config.streams, name);
    if (queues.count(spec.durable) != 0 || stopping) {
        co_return;
    }
    spec.ack_wait = config.ack_wait;
    spec.max_ack_pending = config.max_inflight;
    nats::JetStream* jet = js.get();
    std::function<Result<std::unique_ptr<nats::Consumer>>()> make = [jet, spec] {
        return jet->consumer(spec);
    };
    auto making = jet->blocking<Result<std::unique_ptr<nats::Consumer>>>(std::move(make));
    auto consumer = co_await std::move(making);
    if (!consumer) {
        log->warn("queue_consumer_failed queue={} durable={} error=\"{}\"", name, spec.durable,
                  consumer.error().what());
        co_return;
    }
    auto queue = std::make_unique<Queue>(name, std::move(consumer).value(), ex);
    Queue* q = queue.get();
    queues.emplace(spec.durable, std::move(queue));
    log->info("queue_started queue={} durable={} subject={}", name, spec.durable,
              spec.filter_subject);
    loops.spawn(fetch_loop(q), [this, name](std::exception_ptr e) {
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& err) {
            log->error("fetch_loop_failed queue={} error=\"{}\"", name, err.what());
        }
    });
}

awaitable<void> Worker::Impl::fetch_loop(Queue* q) {
    while (!stopping) {
        q->loop_at = std::chrono::steady_clock::now();
        // One slot per other queue (and one for a queue not discovered yet) is never taken by
        // this queue, so a queue full of slow calls cannot starve the others.
        const int others = std::max(1, static_cast<int>(queues.size()) - 1);
        const int queue_cap = std::max(1, config.max_inflight - others);
        const int free = std::min(config.max_inflight - held_total, queue_cap - q->held);
        if (free <= 0) {
            q->capacity.reset();
            (void)co_await q->capacity.wait_for(kFetchWait);
            continue;
        }
        const int batch = q->last_empty ? 1 : std::min(free, kMaxBatch);
        held_total += batch;  // reserved while the fetch runs
        q->held += batch;
        log->debug("fetch queue={} batch={} held={} held_total={}", q->name, batch, q->held,
                   held_total);
        q->fetch_since = std::chrono::steady_clock::now();
        q->reserved = batch;
        auto fetching = q->consumer->fetch(batch, kFetchWait);
        auto fetched = co_await std::move(fetching);
        q->fetch_since.reset();
        q->reserved = 0;
        held_total -= batch;
        q->held -= batch;
        if (!fetched) {
            if (!q->fetch_failing) {
                log->warn("fetch_failed queue={} error=\"{}\"", q->name, fetched.error().what());
                q->fetch_failing = true;
            }
            co_await sleep_unless_stopping(kFetchWait);
            continue;
        }
        if (q->fetch_failing) {
            log->info("fetch_recovered queue={}", q->name);
            q->fetch_failing = false;
        }
        q->last_empty = fetched->empty();
        for (auto& msg : fetched.value()) {
            if (stopping) {
                (void)msg.nak();  // another worker (or our successor) takes it at once
                continue;
            }
            ++held_total;
            ++q->held;
            ++starting;  // until handle() holds it
            calls.spawn(handle(q, std::move(msg)), [this](std::exception_ptr e) {
                try {
                    std::rethrow_exception(std::move(e));
                } catch (const std::exception& err) {
                    log->error("call_task_failed error=\"{}\"", err.what());
                }
            });
        }
    }
}

void Worker::Impl::check_fetch_loops() {
    const auto now = std::chrono::steady_clock::now();
    int reserved = 0;
    for (auto& [durable, q] : queues) {
        reserved += q->reserved;
        // A fetch ends within kFetchWait and the loop goes round at least that often.
        const auto idle = now - (q->fetch_since ? *q->fetch_since : q->loop_at);
        const bool stalled = !stopping && idle > 10 * kFetchWait;
        if (stalled && !q->stall_reported) {
            log->warn("fetch_stalled queue={} durable={} in_fetch={} idle_s={:.1f} held={} "
                      "held_total={}",
                      q->name, durable, q->fetch_since.has_value(),
                      std::chrono::duration<double>(idle).count(), q->held, held_total);
        } else if (!stalled && q->stall_reported) {
            log->info("fetch_resumed queue={} durable={}", q->name, durable);
        }
        q->stall_reported = stalled;
    }
    const int expected = static_cast<int>(held.size()) + reserved + starting;
    if (held_total != expected && !accounting_reported) {
        log->error("slot_accounting held_total={} held_messages={} reserved={} starting={}",
                   held_total, held.size(), reserved, starting);
        accounting_reported = true;
    }
}

awaitable<void> Worker::Impl::heartbeat_loop() {
    const auto every = std::max<std::chrono::nanoseconds>(config.ack_wait / 3, milliseconds(10));
    while (!heartbeat_done) {
        (void)co_await heartbeat_stop.wait_for(every);
        check_fetch_loops();
        for (nats::Message* m : held) {
            if (auto ok = m->in_progress(); !ok) {
                log->debug("heartbeat_failed seq={} error=\"{}\"", m->stream_sequence(),
                           ok.error().what());
            }
        }
    }
}

awaitable<void> Worker::Impl::shutdown_sequence() {
    stopping = true;
    stop_event.notify();
    log->info("signal received: draining held={} drain_s={}", held.size(),
              std::chrono::duration<double>(config.drain).count());
    co_await loops.wait();  // fetches end within kFetchWait
    calls.close();
    if (!co_await calls.wait_for(config.drain)) {
        // Calls still running are abandoned: not acknowledged, so JetStream redelivers them.
        log->warn("drain_timeout unfinished={}", calls.running());
        log::flush_all();
        std::_Exit(0);
    }
    // The calls wrote their last records without waiting for the stream's acks: wait for them
    // (each ends within the publish timeout) before the connection goes.
    statuses.close();
    co_await statuses.wait();
    heartbeat_done = true;
    heartbeat_stop.notify();
    std::vector<http::ServerDrain> servers{{metrics_server.get(), std::chrono::seconds(1)}};
    co_await http::shutdown_all(ex, std::move(servers));
    log->info("shutdown complete");
    pool.stop();
}

bool Worker::Impl::connect(const std::string& url) {
    nats::ConnectOptions options;
    options.urls = {url};
    options.name = "faas-queue-worker";
    options.send_asap = config.nats_send_asap;
    auto connected = nats::JetStream::connect(options);
    if (!connected) {
        log->critical("nats_unavailable url={} error=\"{}\"", url, connected.error().what());
        return false;
    }
    js = std::move(connected).value();
    const nats::StreamSpec specs[] = {async_names::request_stream_spec(config.streams),
                                      async_names::dead_letter_stream_spec(config.streams),
                                      async_names::status_stream_spec(config.streams)};
    for (const auto& spec : specs) {
        if (auto ok = js->ensure_stream(spec); !ok) {
            log->critical("stream_unavailable stream={} error=\"{}\"", spec.name,
                          ok.error().what());
            return false;
        }
    }
    return true;
}

bool Worker::Impl::start_metrics_server() {
    if (config.metrics_port < 0) {
        return true;
    }
    daemon::AdminRoutes routes;
    // Ready while the NATS connection is up: without it no call can be fetched or acked.
    routes.unhealthy = [this]() -> std::optional<std::string> {
        if (js && js->connected()) {
            return std::nullopt;
        }
        return "NATS connection down";
    };
    try {
        metrics_server =
            daemon::make_admin_server(pool, config.bind_address,
                                      static_cast<std::uint16_t>(config.metrics_port),
                                      metrics.registry, std::move(routes), log);
    } catch (const std::system_error& e) {
        log->critical("cannot listen metrics_port={} error=\"{}\"", config.metrics_port, e.what());
        return false;
    }
    metrics_server->start();
    return true;
}

void Worker::Impl::start_loops() {
    signals.emplace(pool.context(0), [this](int) { return shutdown_sequence(); });
    loops.spawn(discover_loop(), [this](std::exception_ptr e) {
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& err) {
            log->error("discovery_loop_failed error=\"{}\"", err.what());
        }
    });
    asio::co_spawn(ex, heartbeat_loop(), asio::detached);
}

Worker::Worker(Config config, log::Logger log)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log))) {}

Worker::~Worker() = default;

int Worker::run() {
    Impl& d = *impl_;
    const Config& c = d.config;
    log::make("nats", log::Format::Structured, c.log_level);
    const std::string nats_url = "nats://" + c.nats_address + ":" + std::to_string(c.nats_port);
    if (!d.connect(nats_url)) {
        return 1;
    }
    d.client = std::make_unique<http::ClientPool>(d.ex);
    d.deliverer = std::make_unique<callbacks::Deliverer>(*d.client, c.callback_policy,
                                                         c.callback_secret, c.callback);
    if (!d.start_metrics_server()) {
        return 1;
    }
    d.start_loops();
    std::string queue_list;
    for (const auto& q : c.queues) {
        queue_list += (queue_list.empty() ? "" : ",") + q;
    }
    d.log->info("listening port={} nats={} gateway={}:{} queues={} max_inflight={} ack_wait_s={}",
                d.metrics_server ? static_cast<int>(d.metrics_server->port()) : -1, nats_url,
                c.gateway_address, c.gateway_port, queue_list.empty() ? "*" : queue_list,
                c.max_inflight, std::chrono::duration<double>(c.ack_wait).count());
    d.log->flush();  // the line that says it is ready: not up to 100 ms late
    d.pool.run();
    return 0;
}

}  // namespace faas::queue_worker
