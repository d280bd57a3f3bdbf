#pragma once
// The queued async call (docs/wire-contract.md §3.1): Go's QueueRequest JSON, which OpenFaaS's
// own queue-worker can read, plus our fields CallId, EnqueuedAt and Attempt (Go ignores unknown
// keys). The gateway encodes it into the stream; the queue-worker decodes it.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/http/types.hpp"
#include "core/result.hpp"

namespace faas::openfaas {

struct QueueRequest {
    std::string method = "POST";
    std::string path;   // after "/async-function/<name>", "" when none
    std::string query;  // raw query string without '?'
    std::string host;   // the original request's Host
    // Every request header. Names are written in Go's canonical form; values of one name keep
    // their order. (JSON groups values by name, so the interleaving of different names is not
    // kept, which HTTP does not give meaning to.)
    http::Headers headers;
    std::string body;          // raw bytes; base64 on the wire
    std::string callback_url;  // X-Callback-Url, "" when none
    std::string call_id;       // X-Call-Id
    std::string function;      // name without namespace
    std::string namespace_;
    std::string queue;          // QueueName; "" is the default queue
    std::string enqueued_at;    // RFC 3339 (openfaas::rfc3339_now())
    std::uint32_t attempt = 0;  // deliveries made so far (0 before the first)
    // "Annotations" (OpenFaaS 2025 key, omitted when empty): the function's annotations that the
    // worker acts on (com.openfaas.* and com.faas.*, except com.faas.webhook.secret), copied by
    // the gateway at enqueue time.
    std::map<std::string, std::string> annotations;

    bool operator==(const QueueRequest&) const = default;
};

std::string encode(const QueueRequest& request);

// Decodes our encoding and Go's. "Function" without a ".namespace" gets `default_namespace`;
// CallbackUrl may be Go's url.URL object, a string, or absent (then the X-Callback-Url header
// counts); CallId falls back to the X-Call-Id header. Malformed input is errc::bad_request
// with a message naming the key.
Result<QueueRequest> decode_queue_request(std::string_view json,
                                          std::string_view default_namespace);

}  // namespace faas::openfaas
