#pragma once
// Snapshot: the provider's endpoint list (docs/contracts.md, GET /system/endpoints) as the
// gateway routes by it. Built once per generation on the discovery thread and shared read-only
// with every I/O thread as shared_ptr<const Snapshot>.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/http/client.hpp"
#include "core/result.hpp"

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
};

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
