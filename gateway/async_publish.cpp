// Publishing queued calls (docs/async.md): every request is handed to NATS before the first ack
// is awaited, so many publishes are in flight at once, each answer completed from its own ack.
#include <algorithm>
#include <functional>

#include "core/http/respond.hpp"
#include "gateway/async.hpp"

namespace faas::gateway {

namespace oa = openfaas::async;

namespace {

// A queue's consumer is checked again this long after it was found, so one deleted (or lost with
// a NATS store) comes back; after a failed check, sooner.
constexpr std::chrono::seconds kQueueCheckEvery{30};
constexpr std::chrono::seconds kQueueRetryEvery{1};

}  // namespace

nats::PendingPublish AsyncPublisher::start_request(nats::JetStream& js, const Enqueue& e) {
    const std::string subject = oa::request_subject(streams_, e.queue, e.request.call_id);
    nats::Headers headers;
    if (!e.msg_id.empty()) {
        headers.push_back({std::string(nats::kMsgIdHeader), e.msg_id});
    }
    headers.push_back({"X-Call-Id", e.request.call_id});
    return js.start_publish(ex_, subject, headers, openfaas::encode(e.request));
}

std::vector<std::string> AsyncPublisher::queues_due(const std::vector<Enqueue>& calls,
                                                    Clock::time_point now) const {
    std::vector<std::string> due;
    for (const Enqueue& e : calls) {
        auto it = checks_.find(e.queue);
        if ((it == checks_.end() || it->second <= now) &&
            std::find(due.begin(), due.end(), e.queue) == due.end()) {
            due.push_back(e.queue);
        }
    }
    return due;
}

// A failure is logged; the calls are queued all the same (the stream keeps them, and a call a
// second later tries again).
awaitable<void> AsyncPublisher::declare_queues(nats::JetStream& js,
                                               std::vector<std::string> due,
                                               Clock::time_point now) {
    for (const std::string& queue : due) {
        // Calls arriving on this thread meanwhile do not check again (their messages wait in the
        // stream for the consumer either way).
        checks_[queue] = now + kQueueRetryEvery;
        nats::ConsumerSpec spec = oa::queue_consumer_spec(streams_, queue);
        nats::JetStream* jet = &js;
        std::function<Status()> job = [jet, spec] { return jet->ensure_consumer(spec); };
        auto ensuring = js.blocking<Status>(std::move(job));
        const Status made = co_await std::move(ensuring);
        if (!made) {
            log_->warn("queue consumer not ensured queue={} durable={} error=\"{}\"", queue,
                       spec.durable, made.error().what());
        }
        checks_[queue] = Clock::now() + (made ? kQueueCheckEvery : kQueueRetryEvery);
    }
}

awaitable<std::vector<Result<nats::PubAck>>> AsyncPublisher::enqueue_all(
    nats::JetStream& js, std::vector<Enqueue> calls) {
    const auto now = Clock::now();
    if (auto due = queues_due(calls, now); !due.empty()) {
        auto declaring = declare_queues(js, std::move(due), now);
        co_await std::move(declaring);
    }
    // Every request is handed to NATS here, in this order, before the first wait.
    std::vector<nats::PendingPublish> requests;
    requests.reserve(calls.size());
    for (const Enqueue& e : calls) {
        requests.push_back(start_request(js, e));
    }
    std::vector<Result<nats::PubAck>> out;
    out.reserve(calls.size());
    for (auto& request : requests) {
        auto waiting = request.wait();
        Result<nats::PubAck> acked = co_await std::move(waiting);
        if (!acked) {
            acked = publish_failure(acked.error());
        }
        out.push_back(std::move(acked));
    }
    co_return out;
}

Error publish_failure(const Error& e) {
    if (e.code == errc::timeout || e.code == errc::unavailable) {
        return make_error(errc::unavailable, e.what());
    }
    if (e.code == errc::overloaded) {
        return e;
    }
    return make_error(errc::internal, e.what());
}

http::Response publish_error_response(const Error& e) {
    http::Response res =
        http::error_response(make_error(e.code, "Error queuing request: " + e.what()));
    if (e.code == errc::unavailable || e.code == errc::overloaded) {
        res.headers.set("Retry-After", "1");
    }
    return res;
}

http::Response unavailable_response(const std::string& why) {
    http::Response res = http::error_response(make_error(errc::unavailable, why));
    res.headers.set("Retry-After", "1");
    return res;
}

}  // namespace faas::gateway
