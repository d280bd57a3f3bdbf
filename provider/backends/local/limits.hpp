#pragma once
// Limiter: how a replica's memory/cpu limits are applied on this host. Detected once at
// start-up: cgroup v2 (memory.max, cpu.max) when /sys/fs/cgroup is a writable v2 hierarchy with
// both controllers, else cgroup v1 (memory.limit_in_bytes, cpu.cfs_quota_us) when those
// hierarchies are writable, else rlimits (RLIMIT_AS for memory; cpu is not enforced).
// A replica's cgroups are created by the provider; the launcher moves itself into them before
// it execs fwatchdog. Stateless after detection: safe to use from the control thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "provider/quantity.hpp"

namespace faas::provider::local {

enum class LimitMode { CgroupV2, CgroupV1, Rlimit };

// What the launcher is told to do for one replica.
struct LaunchLimits {
    std::vector<std::string> cgroup_procs;  // files to write the launcher's pid into
    std::optional<std::uint64_t> rlimit_as;  // bytes
};

class Limiter {
public:
    // Probes the host. `root` is the cgroup mount (tests pass another one).
    static Limiter detect(const std::string& root = "/sys/fs/cgroup");

    LimitMode mode() const noexcept { return mode_; }
    // One line for the start-up log: the mode and why.
    const std::string& describe() const noexcept { return reason_; }

    // Creates the cgroups of `replica_id` with `limits` (nothing when none are set).
    Result<LaunchLimits> prepare(const std::string& replica_id, const ReplicaLimits& limits) const;
    // Removes the replica's cgroups (after its processes are gone). Best effort.
    void release(const std::string& replica_id) const;
    // Removes the empty cgroups a provider that died without cleaning up left behind (their
    // names carry the owner's PID; live providers' cgroups are kept).
    void remove_stale() const;

private:
    // "p<our pid>-<replica id>": unique per provider process on the host.
    static std::string cgroup_name(const std::string& replica_id);

    LimitMode mode_ = LimitMode::Rlimit;
    std::string reason_;
    std::string v2_base_;      // <root>/faas
    std::string v1_memory_;    // <root>/memory/faas
    std::string v1_cpu_;       // <root>/cpu/faas
};

const char* limit_mode_name(LimitMode m) noexcept;

}  // namespace faas::provider::local
