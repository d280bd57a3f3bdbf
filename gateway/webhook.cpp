// gateway/webhook: GitHub and Slack request signatures, checked before anything is queued.
#include "gateway/webhook.hpp"

#include <cstdint>

#include "core/crypto/hmac.hpp"
#include "core/http/respond.hpp"
#include "core/json/json.hpp"
#include "core/text/text.hpp"

namespace faas::gateway::webhook {

namespace {

constexpr std::string_view kGitHubSignature = "X-Hub-Signature-256";
constexpr std::string_view kGitHubDelivery = "X-GitHub-Delivery";
constexpr std::string_view kSlackSignature = "X-Slack-Signature";
constexpr std::string_view kSlackTimestamp = "X-Slack-Request-Timestamp";
constexpr std::string_view kSlackRetryNum = "X-Slack-Retry-Num";

Rejected reject(RejectReason reason, std::string message) {
    return Rejected{reason, std::move(message)};
}

// Anyone can compute an HMAC with an empty key, so an empty secret fails closed.
Rejected empty_secret() {
    return reject(RejectReason::BadSignature,
                  "the webhook secret is empty: every request is refused until it is set");
}

// True when `header` is `prefix` followed by the hex of exactly `digest`. The hex is decoded
// and the bytes compared in constant time, so upper-case hex is accepted too.
bool signature_matches(std::string_view header,
                       std::string_view prefix,
                       const crypto::Sha256Digest& digest) {
    if (header.substr(0, prefix.size()) != prefix) {
        return false;
    }
    const auto sent = text::hex_decode(header.substr(prefix.size()));
    if (!sent || sent->size() != digest.size()) {
        return false;
    }
    const std::string_view expected(reinterpret_cast<const char*>(digest.data()), digest.size());
    return crypto::constant_time_equal(*sent, expected);
}

// At most 18 digits, so the value fits an int64 with room for arithmetic.
std::optional<std::int64_t> parse_decimal(std::string_view s) {
    if (s.size() > 18) {
        return std::nullopt;
    }
    const auto v = text::parse_uint(s);
    if (!v) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(*v);
}

bool is_json(const http::Headers& headers) {
    const auto ct = headers.get("Content-Type");
    if (!ct) {
        return false;
    }
    constexpr std::string_view kJson = "application/json";
    const std::string_view v = text::trim(*ct);
    return v.size() >= kJson.size() && text::iequals(v.substr(0, kJson.size()), kJson);
}

// An authentic Slack JSON body: url_verification -> Challenge, otherwise its event_id.
Verdict read_slack_json(std::string_view body, std::optional<int> retry_num) {
    auto doc = json::parse(body);
    if (!doc) {
        return reject(RejectReason::Malformed,
                      "Slack body is not valid JSON: " + doc.error().what());
    }
    simdjson::dom::object obj;
    if (doc->root().get_object().get(obj) != simdjson::SUCCESS) {
        return reject(RejectReason::Malformed, "Slack body is not a JSON object");
    }
    std::string_view type;
    if (obj["type"].get_string().get(type) == simdjson::SUCCESS && type == "url_verification") {
        std::string_view challenge;
        if (obj["challenge"].get_string().get(challenge) != simdjson::SUCCESS ||
            challenge.empty()) {
            return reject(RejectReason::Malformed,
                          "Slack url_verification body has no \"challenge\" string");
        }
        return Challenge{std::string(challenge)};
    }
    Verified v;
    v.retry_num = retry_num;
    std::string_view event_id;
    if (obj["event_id"].get_string().get(event_id) == simdjson::SUCCESS) {
        v.idempotency_key.assign(event_id);
    }
    return v;
}

}  // namespace

std::string_view scheme_name(Scheme s) noexcept {
    switch (s) {
        case Scheme::GitHub:
            return "github";
        case Scheme::Slack:
            return "slack";
    }
    return "unknown";
}

Result<std::optional<Config>> parse_config(const std::map<std::string, std::string>& annotations) {
    const auto scheme_it = annotations.find(std::string(kSchemeAnnotation));
    const auto secret_it = annotations.find(std::string(kSecretAnnotation));
    const auto bad = [](std::string message) {
        return make_error(errc::bad_request, std::move(message));
    };
    if (scheme_it == annotations.end()) {
        if (secret_it != annotations.end()) {
            return bad("annotation " + std::string(kSecretAnnotation) + " is set but " +
                       std::string(kSchemeAnnotation) + " is not (expected github or slack)");
        }
        return std::optional<Config>();
    }
    Config c;
    const std::string_view scheme = text::trim(scheme_it->second);
    if (scheme == "github") {
        c.scheme = Scheme::GitHub;
    } else if (scheme == "slack") {
        c.scheme = Scheme::Slack;
    } else {
        return bad("annotation " + std::string(kSchemeAnnotation) +
                   ": expected github or slack, got \"" + scheme_it->second + "\"");
    }
    if (secret_it == annotations.end() || text::trim(secret_it->second).empty()) {
        return bad("annotation " + std::string(kSchemeAnnotation) + "=" + std::string(scheme) +
                   " needs " + std::string(kSecretAnnotation) +
                   " naming the secret with the signing key");
    }
    c.secret_name = std::string(text::trim(secret_it->second));
    if (!openfaas::async::valid_webhook_secret_name(c.secret_name)) {
        return bad("annotation " + std::string(kSecretAnnotation) + ": \"" + c.secret_name +
                   "\" is not a secret name (lower-case letters, digits and '-', starting and "
                   "ending with a letter or digit, at most 63)");
    }
    return std::optional<Config>(std::move(c));
}

Verdict verify_github(const http::Headers& headers,
                      std::string_view body,
                      std::string_view secret) {
    if (secret.empty()) {
        return empty_secret();
    }
    const auto signature = headers.get(kGitHubSignature);
    if (!signature) {
        if (headers.has("X-Hub-Signature")) {
            return reject(RejectReason::MissingHeader,
                          "missing X-Hub-Signature-256 header (the SHA-1 X-Hub-Signature is not "
                          "accepted)");
        }
        return reject(RejectReason::MissingHeader, "missing X-Hub-Signature-256 header");
    }
    const crypto::Sha256Digest digest = crypto::hmac_sha256(secret, body);
    if (!signature_matches(text::trim(*signature), "sha256=", digest)) {
        return reject(RejectReason::BadSignature,
                      "X-Hub-Signature-256 does not match the body signed with the webhook secret");
    }
    Verified v;
    v.idempotency_key = std::string(text::trim(headers.get(kGitHubDelivery).value_or("")));
    return v;
}

Verdict verify_slack(const http::Headers& headers,
                     std::string_view body,
                     std::string_view secret,
                     std::chrono::system_clock::time_point now) {
    if (secret.empty()) {
        return empty_secret();
    }
    const auto signature = headers.get(kSlackSignature);
    if (!signature) {
        return reject(RejectReason::MissingHeader, "missing X-Slack-Signature header");
    }
    const auto timestamp_header = headers.get(kSlackTimestamp);
    if (!timestamp_header) {
        return reject(RejectReason::MissingHeader, "missing X-Slack-Request-Timestamp header");
    }
    const std::string_view timestamp = text::trim(*timestamp_header);
    const auto sent_at = parse_decimal(timestamp);
    if (!sent_at) {
        return reject(RejectReason::Malformed,
                      "X-Slack-Request-Timestamp is not a Unix time in seconds");
    }
    const auto now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const std::int64_t skew = now_s > *sent_at ? now_s - *sent_at : *sent_at - now_s;
    if (skew > kSlackMaxSkew.count()) {
        return reject(RejectReason::StaleTimestamp,
                      "X-Slack-Request-Timestamp is " + std::to_string(skew) +
                          " s away from now (at most " + std::to_string(kSlackMaxSkew.count()) +
                          " s allowed)");
    }
    crypto::HmacSha256 mac(secret);
    mac.update("v0:").update(timestamp).update(":").update(body);
    const crypto::Sha256Digest digest = mac.finish();
    if (!signature_matches(text::trim(*signature), "v0=", digest)) {
        return reject(
            RejectReason::BadSignature,
            "X-Slack-Signature does not match the request signed with the signing secret");
    }
    std::optional<int> retry_num;
    if (const auto retry = headers.get(kSlackRetryNum)) {
        if (const auto n = parse_decimal(text::trim(*retry)); n && *n <= 1'000'000) {
            retry_num = static_cast<int>(*n);
        }
    }
    if (!is_json(headers)) {
        Verified v;
        v.retry_num = retry_num;
        return v;
    }
    return read_slack_json(body, retry_num);
}

Verdict verify(const Config& config,
               const http::Headers& headers,
               std::string_view body,
               std::string_view secret,
               std::chrono::system_clock::time_point now) {
    switch (config.scheme) {
        case Scheme::GitHub:
            return verify_github(headers, body, secret);
        case Scheme::Slack:
            return verify_slack(headers, body, secret, now);
    }
    return reject(RejectReason::Malformed, "unknown webhook scheme");
}

std::string_view reason_name(RejectReason r) noexcept {
    switch (r) {
        case RejectReason::MissingHeader:
            return "missing_header";
        case RejectReason::BadSignature:
            return "bad_signature";
        case RejectReason::StaleTimestamp:
            return "stale_timestamp";
        case RejectReason::Malformed:
            return "malformed";
    }
    return "unknown";
}

errc error_code(const Rejected& rejected) noexcept {
    return rejected.reason == RejectReason::Malformed ? errc::bad_request : errc::unauthorized;
}

int http_status(const Rejected& rejected) noexcept {
    return faas::http_status(error_code(rejected));
}

http::Response rejection_response(const Rejected& rejected) {
    return http::error_response(make_error(error_code(rejected), rejected.message));
}

http::Response challenge_response(const Challenge& challenge) {
    http::Response r;
    r.status = 200;
    r.headers.set("Content-Type", "text/plain; charset=utf-8");
    r.body = challenge.value;
    return r;
}

}  // namespace faas::gateway::webhook
