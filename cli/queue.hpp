#pragma once
// The async API's answers as `faas queue` reads and prints them (docs/async.md): the queue list
// (GET /system/queues), dead letters (GET /system/async-dead-letters), a call's status record
// (GET /system/async-calls/<id>) and re-drive (POST /system/async-dead-letters/redrive). Pure
// functions: cli/cmd_queue.cpp does the HTTP.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/openfaas/async_api.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/result.hpp"

namespace faas::cli {

// The rows as the gateway writes them (core/openfaas/async_api.hpp).
using openfaas::DeadLetterInfo;
using openfaas::QueueInfo;

struct RedriveItem {
    std::uint64_t sequence = 0;
    std::string call_id;  // redriven
    std::string error;    // failed
};

struct RedriveResult {
    std::vector<RedriveItem> redriven;
    std::vector<RedriveItem> failed;
};

// Malformed JSON or a key of the wrong type is errc::upstream_failed naming what was read.
Result<std::vector<QueueInfo>> parse_queues(std::string_view json);
Result<std::vector<DeadLetterInfo>> parse_dead_letters(std::string_view json);
Result<RedriveResult> parse_redrive(std::string_view json);

// QUEUE MESSAGES PENDING IN-FLIGHT DEAD-LETTERS, one row per queue, sorted by name.
std::string queues_table(std::vector<QueueInfo> queues);
// SEQ CALL-ID FUNCTION QUEUE ATTEMPTS STATUS REASON DEAD-LETTERED, in the order given.
std::string dead_letters_table(const std::vector<DeadLetterInfo>& letters);
// "Call ID:  ...", one field a line; fields that are not set are left out.
std::string call_status_text(const openfaas::CallStatus& s);

// The redrive request body: {} (everything), {"function":"fn.ns"} or {"sequences":[..]}.
// Sequence arguments must be positive integers; a function and sequences together, or a bad
// sequence, is errc::bad_request.
Result<std::string> redrive_body(const std::optional<std::string>& function,
                                 const std::vector<std::string>& sequences);

// How the function routes name a function, as the faas-cli and the Go SDK address it:
// "fn" -n ns -> "fn.ns"; "fn.ns" stays; "fn" -> "fn.openfaas-fn".
std::string qualified_function(std::string_view name,
                               const std::optional<std::string>& ns = std::nullopt);

}  // namespace faas::cli
