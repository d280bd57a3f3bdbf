#pragma once
// Snapshot: the provider's endpoint list (docs/contracts.md, GET /system/endpoints) as the
// gateway routes by it. Built once per generation on the discovery thread and shared read-only
// with every I/O thread as shared_ptr<const Snapshot>.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/http/client.hpp"
#include "core/result.hpp"
#include "gateway/webhook.hpp"

namespace faas::gateway {

struct Replica {
    std::string id;
    http::Endpoint endpoint;
};

struct FunctionEntry {
    std::string name;
    std::string namespace_;
    std::uint64_t replicas = 0;      // desired
    std::uint64_t min_replicas = 1;  // scale-from-zero target
    std::vector<Replica> endpoints;  // ready replicas only
    // The deployment's annotations (webhook verification, the async queue and what the
    // queue-worker acts on).
    std::map<std::string, std::string> annotations;

    // Read from `annotations` once per endpoint-list generation (derive_facts), not per request.
    std::string queue;        // com.openfaas.queue, checked; "default" when absent or ""
    std::string queue_error;  // why com.openfaas.queue is not a queue name; "" when it is
    // The annotations a queued call carries for the queue-worker (docs/async.md): those starting
    // with com.openfaas. or com.faas., except the webhook secret's name.
    std::map<std::string, std::string> worker_annotations;
    std::optional<webhook::Config> webhook;  // set when the function asks for verification
    std::string webhook_error;               // bad webhook annotations; "" when fine
    // Every request must pass webhook::check_webhook (verified, or refused for bad annotations).
    bool verifies_webhook() const { return webhook.has_value() || !webhook_error.empty(); }
};

// Fills the fields FunctionEntry reads from `f.annotations`. parse_snapshot calls it for each
// function; a route that finds a function through the provider instead calls it too.
void derive_facts(FunctionEntry& f);

struct Snapshot {
    std::uint64_t generation = 0;
    // Keyed by "name.namespace".
    std::unordered_map<std::string, FunctionEntry> functions;

    const FunctionEntry* find(const std::string& qualified) const {
        auto it = functions.find(qualified);
        return it == functions.end() ? nullptr : &it->second;
    }
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// Parses the body of GET /system/endpoints. Malformed input is errc::bad_request naming what
// was wrong.
Result<Snapshot> parse_snapshot(std::string_view json);

}  // namespace faas::gateway
