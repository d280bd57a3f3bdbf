#pragma once
// The async pipeline's names and the JetStream objects the gateway and the queue-worker share
// (docs/async.md): the request stream and its per-queue subjects, the durable consumer per queue,
// the dead-letter stream and the call-status bucket. Both components build their stream specs
// here from the same environment, so neither undoes the other's configuration.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/env.hpp"
#include "core/nats/types.hpp"
#include "core/result.hpp"

namespace faas::openfaas::async {

// Annotation naming a function's queue (OpenFaaS's own name). Absent or "": the default queue.
inline constexpr std::string_view kQueueAnnotation = "com.openfaas.queue";
inline constexpr std::string_view kDefaultQueue = "default";

// Annotation naming the secret that holds a webhook function's signing key: the gateway reads it
// to verify (gateway/webhook.hpp), the provider to serve the secret's bytes to the gateway.
inline constexpr std::string_view kWebhookSecretAnnotation = "com.faas.webhook.secret";
// A name the annotation may hold: the provider's secret name rule (a DNS-1123 label, as
// /system/secrets accepts), so the gateway refuses what the provider could never serve.
bool valid_webhook_secret_name(std::string_view name) noexcept;

// Settings both components read (env names in docs/async.md).
struct StreamSettings {
    std::string request_stream = "faas-request";          // faas_nats_channel
    std::string dead_letter_stream = "faas-dead-letter";  // ours
    std::string status_bucket = "faas-calls";             // ours
    // Nats-Msg-Id duplicates are dropped within this window (async_dedup_window).
    std::chrono::nanoseconds dedup_window = std::chrono::minutes(10);
    // How long a call's status record is kept (async_status_ttl).
    std::chrono::nanoseconds status_ttl = std::chrono::hours(24);
    // How long a dead letter is kept (dead_letter_max_age).
    std::chrono::nanoseconds dead_letter_max_age = std::chrono::hours(24 * 14);
};
// Throws config::ConfigError naming the variable on a bad value.
StreamSettings load_stream_settings(const config::Env& env);

// A queue name is a NATS subject token: 1..64 of [A-Za-z0-9_-]. errc::bad_request otherwise.
Status check_queue_name(std::string_view queue);
// "" -> "default".
std::string queue_or_default(std::string_view queue);

// A queue's calls are the subjects "faas-request.<queue>.<call id>" (the id escaped as in
// status_subject), so a queued call is found by its id alone and needs no status record.
std::string request_subject(const StreamSettings& s,
                            std::string_view queue,
                            std::string_view call_id);
// "faas-request.<queue>.*": what the queue's durable consumer reads.
std::string request_filter(const StreamSettings& s, std::string_view queue);
// "faas-request.*.<call id>": the request of a call, whichever queue holds it.
std::string call_request_filter(const StreamSettings& s, std::string_view call_id);
// "faas-dead-letter.<queue>"
std::string dead_letter_subject(const StreamSettings& s, std::string_view queue);

// The queue of a request-stream subject: "faas-request.<queue>.<token>" (a call, or the "*" of
// a consumer's filter); nullopt for any other subject.
std::optional<std::string> parse_request_subject(const StreamSettings& s,
                                                 std::string_view subject);
// The queue of a dead-letter subject ("faas-dead-letter.<queue>") or of a request subject;
// nullopt for any other subject.
std::optional<std::string> queue_of_subject(const StreamSettings& s, std::string_view subject);
// The queue's durable consumer, reading request_filter: "faas-request-calls_<queue>".
std::string durable_name(const StreamSettings& s, std::string_view queue);
// The queue-worker's defaults for max_inflight and ack_wait: a queue's consumer is created with
// them (as max_ack_pending and ack_wait), so a gateway that creates it agrees with a worker
// left at its defaults.
inline constexpr int kDefaultMaxInflight = 50;
inline constexpr std::chrono::seconds kDefaultAckWait{60};
// A queue's durable consumer: explicit ack, no delivery limit (the worker counts attempts).
// The gateway creates it on a queue's first call, which is how workers discover the queue; a
// worker then sets its own ack_wait and max_ack_pending.
nats::ConsumerSpec queue_consumer_spec(const StreamSettings& s, std::string_view queue);

// WorkQueue retention, file storage, subjects "faas-request.>", dedup_window.
nats::StreamSpec request_stream_spec(const StreamSettings& s);
// Limits retention, file storage, subjects "faas-dead-letter.>", max_age dead_letter_max_age.
nats::StreamSpec dead_letter_stream_spec(const StreamSettings& s);
// The status bucket as a stream laid out like a JetStream KV bucket: name "KV_faas-calls",
// subjects "$KV.faas-calls.>", one message per subject, max_age status_ttl, dedup_window.
nats::StreamSpec status_stream_spec(const StreamSettings& s);
// "$KV.faas-calls.<call id>". Call ids are UUIDs or caller-chosen X-Call-Id values; characters
// outside [A-Za-z0-9_-] (including '.') are percent-style escaped ("%2E") so one id is one token.
std::string status_subject(const StreamSettings& s, std::string_view call_id);

// Dead-letter message headers (the message body is the QueueRequest JSON with Attempt = the
// attempts made).
inline constexpr std::string_view kDeadReasonHeader = "Faas-Dead-Letter-Reason";
inline constexpr std::string_view kDeadStatusHeader = "Faas-Status-Code";  // last status, 0 none
inline constexpr std::string_view kDeadAttemptsHeader = "Faas-Attempts";
inline constexpr std::string_view kDeadAtHeader = "Faas-Dead-Lettered-At";  // RFC 3339

// What those headers say about a dead letter.
struct DeadLetterHeaders {
    std::string reason;
    int status_code = 0;  // the function's last status, 0 when it was never reached
    std::uint64_t attempts = 0;
    std::string dead_lettered_at;  // RFC 3339
};
// The four headers, as the queue-worker writes them.
nats::Headers dead_letter_headers(const DeadLetterHeaders& h);
// Read back; a missing or malformed header leaves its default ("" or 0).
DeadLetterHeaders parse_dead_letter_headers(const nats::Headers& headers);

}  // namespace faas::openfaas::async
