#pragma once
// The callback request for a finished async call (docs/wire-contract.md §3.4 plus our signature):
// POST to X-Callback-Url with the function's response headers and body, the X-Call-Id,
// X-Function-Status, X-Function-Name and X-Duration-Seconds headers, and X-Faas-Signature when a
// secret is configured. Pure; no I/O.
#include <chrono>
#include <string>
#include <string_view>

#include "core/http/client.hpp"
#include "core/http/types.hpp"

namespace faas::callbacks {

inline constexpr std::string_view kSignatureHeader = "X-Faas-Signature";

// What the worker knows about a finished async call.
struct CallResult {
    std::string call_id;   // X-Call-Id of the original request; empty when it had none
    std::string function;  // as queued ("fn" or "fn.namespace")
    // The function's HTTP status, or 503 when it could not be reached (CE's rule).
    int status = 503;
    // From the moment the worker received the message to the end of the call.
    std::chrono::duration<double> duration{0};
    http::Headers headers;  // the function's response headers (Content-Type among them)
    std::string body;       // the function's response body; empty when unreachable
};

// "sha256=" + hex HMAC-SHA256(secret, body): the X-Faas-Signature value.
std::string signature(std::string_view secret, std::string_view body);

// The request to send to `url`. The function's headers are copied except hop-by-hop ones,
// Content-Length (the client sets it) and any X-Faas-Signature the function set itself, which
// must not pass as ours. An empty `secret` sends no signature. The body is moved into the request.
http::Request build_request(CallResult result, const http::Url& url, std::string_view secret);

}  // namespace faas::callbacks
