#pragma once
// Webhook verification for functions that ask for it by annotation (issue 4, docs/async.md):
// GitHub's X-Hub-Signature-256 and Slack's v0 signing secret. Pure functions over our HTTP
// types; the secret bytes and the clock are passed in, so the gateway owns both.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/http/types.hpp"
#include "core/openfaas/async.hpp"
#include "core/result.hpp"

namespace faas::gateway::webhook {

// Annotation naming the scheme ("github" or "slack") and the one naming the secret that holds
// the signing key (read from the provider's secrets by the caller).
inline constexpr std::string_view kSchemeAnnotation = "com.faas.webhook";
inline constexpr std::string_view kSecretAnnotation = openfaas::async::kWebhookSecretAnnotation;

// Slack rejects requests whose timestamp is more than five minutes away from now (replay guard).
inline constexpr std::chrono::seconds kSlackMaxSkew{300};

enum class Scheme { GitHub, Slack };

struct Config {
    Scheme scheme = Scheme::GitHub;
    std::string secret_name;
};

// Reads the webhook annotations. nullopt: the function does not ask for verification. An
// error (errc::bad_request) names the annotation and what was expected: an unknown scheme, a
// scheme without a secret, a secret without a scheme, or a secret name the provider cannot hold
// (openfaas::async::valid_webhook_secret_name).
Result<std::optional<Config>> parse_config(const std::map<std::string, std::string>& annotations);

std::string_view scheme_name(Scheme s) noexcept;

// The request is authentic. `idempotency_key` is the sender's delivery id (GitHub
// X-GitHub-Delivery, Slack event_id), empty when the sender gave none: it is unique per
// delivery and stays the same when the sender retries it.
struct Verified {
    std::string idempotency_key;
    // Slack's X-Slack-Retry-Num on a redelivery; nullopt on a first delivery and for GitHub.
    std::optional<int> retry_num;
};

// An authentic Slack url_verification request: answer `value` directly, queue nothing.
struct Challenge {
    std::string value;
};

enum class RejectReason { MissingHeader, BadSignature, StaleTimestamp, Malformed };

struct Rejected {
    RejectReason reason = RejectReason::BadSignature;
    std::string message;  // for the caller's answer and log; never holds secret or signature
};

using Verdict = std::variant<Verified, Challenge, Rejected>;

// Both schemes check a request's headers and its whole raw body. Both refuse every request
// (BadSignature) when `secret` is empty: anyone could sign.

// GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, raw body).
Verdict verify_github(const http::Headers& headers, std::string_view body, std::string_view secret);

// Slack: X-Slack-Signature = "v0=" + hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)
// with X-Slack-Request-Timestamp within kSlackMaxSkew of `now`. A JSON body of type
// url_verification becomes a Challenge (only after the signature checked out); other JSON
// bodies give their event_id as the idempotency key; form bodies (slash commands, interactive
// payloads) verify without a key.
Verdict verify_slack(const http::Headers& headers,
                     std::string_view body,
                     std::string_view secret,
                     std::chrono::system_clock::time_point now);

Verdict verify(const Config& config,
               const http::Headers& headers,
               std::string_view body,
               std::string_view secret,
               std::chrono::system_clock::time_point now);

std::string_view reason_name(RejectReason r) noexcept;

// errc::unauthorized (401) for a missing header, a bad signature or a stale timestamp;
// errc::bad_request (400) for a malformed request.
errc error_code(const Rejected& rejected) noexcept;
int http_status(const Rejected& rejected) noexcept;
// The text/plain answer to a rejected request (http_status + message).
http::Response rejection_response(const Rejected& rejected);
// 200 text/plain with the challenge as the body, which Slack accepts for url_verification.
http::Response challenge_response(const Challenge& challenge);

}  // namespace faas::gateway::webhook
