#include "queue-worker/call.hpp"

#include <utility>

#include "core/text/text.hpp"

namespace faas::queue_worker {

std::string function_target(const openfaas::QueueRequest& request) {
    std::string target = "/function/" + request.function + "." + request.namespace_;
    if (request.path.empty() || request.path.front() != '/') {
        target += '/';
    }
    target += request.path;
    if (!request.query.empty()) {
        target += '?';
        target += request.query;
    }
    return target;
}

http::Request function_request(openfaas::QueueRequest&& request, std::uint64_t attempt) {
    http::Request req;
    req.method = "POST";
    req.target = function_target(request);
    for (const auto& h : request.headers) {
        // X-Faas-Attempt needs no check: set() below replaces any queued one.
        if (http::is_hop_by_hop(h.name) || text::iequals(h.name, "Content-Length") ||
            text::iequals(h.name, "Host")) {
            continue;
        }
        req.headers.add(h.name, h.value);
    }
    if (!request.call_id.empty()) {
        req.headers.set("X-Call-Id", request.call_id);
    }
    req.headers.set(kAttemptHeader, std::to_string(attempt));
    req.body = std::move(request.body);
    return req;
}

}  // namespace faas::queue_worker
