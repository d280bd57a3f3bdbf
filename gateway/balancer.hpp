#pragma once
// Balancer: which ready replica gets the next call of a function. One per I/O thread (never
// shared, no locks): least calls in flight from this thread, round-robin among equals, and
// replicas that refused a connection ("suspect") only when nothing else is left, until the next
// snapshot generation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gateway/snapshot.hpp"

namespace faas::gateway {

class Balancer {
public:
    // Index into `f.endpoints` of the replica to call, skipping the ids in `tried`; nullopt when
    // every replica was tried (or there is none). `key` is the function's "name.namespace".
    std::optional<std::size_t> choose(const std::string& key, const FunctionEntry& f,
                                      const std::vector<std::string>& tried);

    void begin(const std::string& id) { ++inflight_[id]; }
    void end(const std::string& id);
    std::uint64_t in_flight(const std::string& id) const;

    void mark_suspect(const std::string& id) { suspects_.insert(id); }
    bool suspect(const std::string& id) const { return suspects_.count(id) != 0; }

    // A new generation: suspects get another chance, and counters of replicas that are gone
    // (and idle) are dropped.
    void on_snapshot(const Snapshot& snap);

    // Holds `id` in flight for the lifetime of the guard.
    class InFlight {
    public:
        InFlight(Balancer& b, std::string id) : b_(b), id_(std::move(id)) { b_.begin(id_); }
        ~InFlight() { b_.end(id_); }
        InFlight(const InFlight&) = delete;
        InFlight& operator=(const InFlight&) = delete;

    private:
        Balancer& b_;
        std::string id_;
    };

private:
    std::unordered_map<std::string, std::uint64_t> inflight_;
    std::unordered_map<std::string, std::uint64_t> next_;  // round-robin start per function
    std::unordered_set<std::string> suspects_;
};

}  // namespace faas::gateway
