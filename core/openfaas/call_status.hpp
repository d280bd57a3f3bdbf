#pragma once
// The status record of one async call (GET /system/async-calls/<call-id>, docs/async.md), kept
// as the last message on status_subject(call id) in the status stream. The gateway writes
// "queued"; the queue-worker writes the rest. JSON keys are camelCase like OpenFaaS's API.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace faas::openfaas {

enum class CallState { Queued, Running, Retrying, Succeeded, Failed, DeadLettered };

// "queued", "running", "retrying", "succeeded", "failed", "dead-lettered".
std::string_view state_name(CallState s) noexcept;
std::optional<CallState> parse_state(std::string_view name) noexcept;

struct CallStatus {
    std::string call_id;           // "callId"
    std::string function;          // "function": "name.namespace"
    std::string queue;             // "queue": "default" or the function's queue
    CallState state = CallState::Queued;  // "status"
    std::uint32_t attempt = 0;     // "attempt": attempts started so far (0 while queued)
    std::string enqueued_at;       // "enqueuedAt": RFC 3339
    std::string updated_at;        // "updatedAt": RFC 3339, when this record was written
    std::string next_attempt_at;   // "nextAttemptAt": while retrying; omitted when empty
    int status_code = 0;           // "statusCode": the function's last HTTP status; omitted when 0
    std::string error;             // "error": why the last attempt failed; omitted when empty
    std::string callback_url;      // "callbackUrl": omitted when empty
    int callback_status = 0;       // "callbackStatus": receiver's status; omitted when 0
    bool operator==(const CallStatus&) const = default;
};

std::string to_json(const CallStatus& s);
// errc::bad_request naming the key on malformed input.
Result<CallStatus> parse_call_status(std::string_view json);

}  // namespace faas::openfaas
