#pragma once
// Shared by the async routes (async.cpp, async_batch.cpp) and the async /system routes
// (async_system.cpp, async_calls.cpp, async_dead_letters.cpp): publishing calls into the request
// stream, "faas-request.<queue>.<call id>", and the answers the routes share.
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"
#include "core/http/types.hpp"
#include "core/log/log.hpp"
#include "core/nats/jet_stream.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/queue_request.hpp"
#include "core/result.hpp"

namespace faas::gateway {

struct ThreadState;

// One call to queue.
struct Enqueue {
    openfaas::QueueRequest request;
    std::string queue;          // the queue's name ("default" when the function names none)
    std::string msg_id;         // the request's Nats-Msg-Id, "" for none
};

// One I/O thread's publisher of queued calls. It owns when each queue's durable consumer is to be
// checked next by this thread (that is how workers discover a queue), so the check is a plain
// lookup per accept. Never crosses threads.
class AsyncPublisher {
public:
    AsyncPublisher(const openfaas::async::StreamSettings& streams,
                   log::Logger log,
                   asio::any_io_executor ex)
        : streams_(streams), log_(std::move(log)), ex_(std::move(ex)) {}

    // Publishes every call's request, all in flight at once on `js`, and returns each publish
    // result in the order of `calls`. A queue's durable consumer is created first when this
    // thread has not seen it lately. No status record is written: a queued call is its request
    // message (see handle_async_call).
    awaitable<std::vector<Result<nats::PubAck>>> enqueue_all(nats::JetStream& js,
                                                             std::vector<Enqueue> calls);

private:
    using Clock = std::chrono::steady_clock;
    // The queues of `calls` whose consumer this thread is to check now.
    std::vector<std::string> queues_due(const std::vector<Enqueue>& calls,
                                        Clock::time_point now) const;
    // Creates the durable consumer of each queue in `due`, before their calls are stored.
    awaitable<void> declare_queues(nats::JetStream& js,
                                   std::vector<std::string> due,
                                   Clock::time_point now);
    nats::PendingPublish start_request(nats::JetStream& js, const Enqueue& e);

    const openfaas::async::StreamSettings& streams_;
    log::Logger log_;
    asio::any_io_executor ex_;
    // When each queue's durable consumer is to be checked again.
    std::unordered_map<std::string, Clock::time_point> checks_;
};

// What a failed publish means to the caller, as the error its answer maps from (applied by
// AsyncPublisher to every failed publish): no ack in time or no connection is errc::unavailable
// (503: the call was not stored, try again; not the 504 of a timeout), too many publishes in
// flight errc::overloaded (429), anything else errc::internal (500). The message is kept.
Error publish_failure(const Error& e);

// The answer to a failed publish (an error from publish_failure): "Error queuing request:
// <reason>" with its status, and Retry-After: 1 on a 503 or 429.
http::Response publish_error_response(const Error& e);

// A 503 for the async routes while NATS is not configured or not connected.
http::Response unavailable_response(const std::string& why);

// For the async /system routes: the JetStream connection, or nullptr after answering 503.
awaitable<nats::JetStream*> connection_or_503(ThreadState& ts, http::Exchange& ex);
// A failed JetStream read: 503 while NATS is unreachable or slow, else 502.
awaitable<void> read_failed(ThreadState& ts, http::Exchange& ex, const Error& e);

}  // namespace faas::gateway
