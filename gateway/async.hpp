#pragma once
// Shared by the async routes (async.cpp) and the async /system routes (async_system.cpp):
// publishing calls into the request stream, "faas-request.<queue>.<call id>".
#include <cstdint>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/http/types.hpp"
#include "core/nats/jet_stream.hpp"
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

// Publishes every call's request, all in flight at once on `js`, and returns each publish
// result in the order of `calls`. A queue's durable consumer is created first when this thread
// has not seen it lately (that is how workers discover a queue). No status record is written:
// a queued call is its request message (see handle_async_call).
awaitable<std::vector<Result<nats::PubAck>>> enqueue_all(ThreadState& ts,
                                                         nats::JetStream& js,
                                                         std::vector<Enqueue> calls);

// The answer to a failed publish: 503 with Retry-After for timeout/unavailable, 429 when too
// many publishes are in flight, else 500 ("Error queuing request: <reason>").
http::Response publish_error_response(const Error& e);
int publish_error_status(const Error& e) noexcept;

// A 503 for the async routes while NATS is not configured or not connected.
http::Response unavailable_response(const std::string& why);

}  // namespace faas::gateway
