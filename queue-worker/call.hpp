#pragma once
// The gateway request of one attempt of a queued call (docs/async.md, "queue-worker"): POST
// /function/<name>.<namespace><path>[?query] with the queued headers (X-Call-Id kept,
// X-Faas-Attempt added, hop-by-hop, Host and Content-Length dropped) and body. Pure.
#include <cstdint>
#include <string>

#include "core/http/types.hpp"
#include "core/openfaas/queue_request.hpp"

namespace faas::queue_worker {

inline constexpr std::string_view kAttemptHeader = "X-Faas-Attempt";

// "/function/fn.ns/path?query"
std::string function_target(const openfaas::QueueRequest& request);

// Takes the request's body (moved, not copied: the call's last use of the queued request).
http::Request function_request(openfaas::QueueRequest&& request, std::uint64_t attempt);

}  // namespace faas::queue_worker
