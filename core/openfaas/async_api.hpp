#pragma once
// The async /system answers (docs/async.md) as the gateway writes them and `faas queue` reads
// them: GET /system/queues and GET /system/async-dead-letters. JSON keys are camelCase like
// OpenFaaS's API.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace faas::openfaas {

// One row of GET /system/queues.
struct QueueInfo {
    std::string name;                // "name"
    std::string subject;             // "subject": "faas-request.<name>.*", what its consumer reads
    std::uint64_t messages = 0;      // "messages": stored for the queue
    std::uint64_t pending = 0;       // "pending": not yet delivered to a worker
    std::uint64_t in_flight = 0;     // "inFlight": delivered, not yet acknowledged
    std::uint64_t dead_letters = 0;  // "deadLetters"
    std::uint64_t consumers = 0;     // "consumers"
    bool operator==(const QueueInfo&) const = default;
};

// One row of GET /system/async-dead-letters.
struct DeadLetterInfo {
    std::uint64_t sequence = 0;    // "sequence": in the dead-letter stream
    std::string call_id;           // "callId"
    std::string function;          // "function": "name.namespace"
    std::string queue;             // "queue"
    std::uint64_t attempts = 0;    // "attempts"
    std::int64_t status_code = 0;  // "statusCode": the last status, 0 when never reached
    std::string reason;            // "reason"
    std::string dead_lettered_at;  // "deadLetteredAt": RFC 3339
    std::string enqueued_at;       // "enqueuedAt": RFC 3339
    std::string error;             // "error": why the letter is not a request; omitted when ""
    bool operator==(const DeadLetterInfo&) const = default;
};

std::string to_json(const std::vector<QueueInfo>& queues);
std::string to_json(const std::vector<DeadLetterInfo>& letters);

// A JSON array of rows. Malformed JSON or a key of the wrong type is errc::bad_request naming
// the list and the key ("queue list: \"messages\" is not a non-negative integer"); a missing
// key or null keeps the default.
Result<std::vector<QueueInfo>> parse_queues(std::string_view json);
Result<std::vector<DeadLetterInfo>> parse_dead_letters(std::string_view json);

}  // namespace faas::openfaas
