#include "callbacks/request.hpp"

#include "core/crypto/hmac.hpp"
#include "core/text/text.hpp"

namespace faas::callbacks {

std::string signature(std::string_view secret, std::string_view body) {
    return "sha256=" + crypto::hmac_sha256_hex(secret, body);
}

http::Request build_request(CallResult result, const http::Url& url, std::string_view secret) {
    http::Request req;
    req.method = "POST";
    req.target = url.path;
    for (const auto& h : result.headers) {
        if (http::is_hop_by_hop(h.name) || text::iequals(h.name, "Content-Length") ||
            text::iequals(h.name, "Host") || text::iequals(h.name, kSignatureHeader)) {
            continue;
        }
        req.headers.add(h.name, h.value);
    }
    // Set after the copy so the function's own values (the watchdog's X-Duration-Seconds, say)
    // are replaced, as CE's worker does.
    req.headers.set("X-Duration-Seconds", text::seconds_fixed6(result.duration.count()));
    req.headers.set("X-Function-Status", std::to_string(result.status));
    req.headers.set("X-Function-Name", result.function);
    if (!result.call_id.empty()) {
        req.headers.set("X-Call-Id", result.call_id);
    }
    if (!secret.empty()) {
        req.headers.set(kSignatureHeader, signature(secret, result.body));
    }
    req.body = std::move(result.body);
    return req;
}

}  // namespace faas::callbacks
