#include "gateway/balancer.hpp"

#include <algorithm>
#include <tuple>

namespace faas::gateway {

std::optional<std::size_t> Balancer::choose(const std::string& key, const FunctionEntry& f,
                                            const std::vector<std::string>& tried) {
    const std::size_t n = f.endpoints.size();
    if (n == 0) {
        return std::nullopt;
    }
    const std::size_t start = next_[key]++ % n;
    std::optional<std::size_t> best;
    std::tuple<bool, std::uint64_t> best_rank{};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t idx = (start + i) % n;
        const std::string& id = f.endpoints[idx].id;
        if (std::find(tried.begin(), tried.end(), id) != tried.end()) {
            continue;
        }
        const std::tuple<bool, std::uint64_t> rank{suspect(id), in_flight(id)};
        // Strictly better only: among equals the first in rotation order wins (round-robin).
        if (!best || rank < best_rank) {
            best = idx;
            best_rank = rank;
        }
    }
    return best;
}

void Balancer::end(const std::string& id) {
    auto it = inflight_.find(id);
    if (it != inflight_.end() && it->second > 0) {
        --it->second;
    }
}

std::uint64_t Balancer::in_flight(const std::string& id) const {
    auto it = inflight_.find(id);
    return it == inflight_.end() ? 0 : it->second;
}

void Balancer::on_snapshot(const Snapshot& snap) {
    suspects_.clear();
    std::unordered_set<std::string> live;
    for (const auto& [key, f] : snap.functions) {
        for (const auto& r : f.endpoints) {
            live.insert(r.id);
        }
    }
    std::erase_if(inflight_,
                  [&](const auto& kv) { return kv.second == 0 && live.count(kv.first) == 0; });
    std::erase_if(next_, [&](const auto& kv) { return snap.functions.count(kv.first) == 0; });
}

}  // namespace faas::gateway
