#pragma once
// ScaleClaims: scale from zero is asked once per function however many calls wait for it; the
// first caller claims it. One per process, shared by the I/O threads behind a small lock.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace faas::gateway {

class ScaleClaims {
public:
    // A claim covers callers that see the same (or an older) endpoint list generation; a newer
    // list showing zero replicas again (scaled down since) needs a new request, and a claim
    // lapses after a while so a lost request is sent again. True when this caller is to ask.
    bool claim(const std::string& function, std::uint64_t generation);
    // Gives a claim back after a failed request.
    void release(const std::string& function);

private:
    struct Claim {
        std::chrono::steady_clock::time_point at;
        std::uint64_t generation = 0;
    };
    std::mutex mu_;
    std::unordered_map<std::string, Claim> claims_;
};

}  // namespace faas::gateway
