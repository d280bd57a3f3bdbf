#include "gateway/scale_claims.hpp"

namespace faas::gateway {

namespace {
// A scale request that did not show up in the endpoint list within this long is sent again.
constexpr auto kScaleClaimLifetime = std::chrono::seconds(2);
}  // namespace

bool ScaleClaims::claim(const std::string& function, std::uint64_t generation) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    auto it = claims_.find(function);
    if (it != claims_.end() && it->second.generation >= generation &&
        now - it->second.at < kScaleClaimLifetime) {
        return false;
    }
    claims_.insert_or_assign(function, Claim{now, generation});
    return true;
}

void ScaleClaims::release(const std::string& function) {
    std::lock_guard lock(mu_);
    claims_.erase(function);
}

}  // namespace faas::gateway
