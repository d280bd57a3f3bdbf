#include "provider/backends/local/limits.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/errno_text.hpp"


namespace faas::provider::local {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kCpuPeriodUs = 100000;

bool write_text(const fs::path& p, const std::string& v) {
    std::ofstream out(p);
    if (!out) {
        return false;
    }
    out << v;
    out.flush();
    return static_cast<bool>(out);
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool make_dir(const fs::path& p) {
    std::error_code ec;
    fs::create_directories(p, ec);
    return !ec && fs::is_directory(p, ec);
}

// A probe cgroup can be created and removed under `base`.
bool probe(const fs::path& base, const char* limit_file) {
    if (!make_dir(base)) {
        return false;
    }
    const fs::path p = base / ("probe-" + std::to_string(::getpid()));
    if (!make_dir(p)) {
        return false;
    }
    const bool ok = fs::exists(p / limit_file);
    ::rmdir(p.c_str());
    return ok;
}

}  // namespace

const char* limit_mode_name(LimitMode m) noexcept {
    switch (m) {
        case LimitMode::CgroupV2: return "cgroup-v2";
        case LimitMode::CgroupV1: return "cgroup-v1";
        case LimitMode::Rlimit: return "rlimit";
    }
    return "unknown";
}

Limiter Limiter::detect(const std::string& root) {
    Limiter l;
    const fs::path r(root);
    std::error_code ec;
    if (fs::exists(r / "cgroup.controllers", ec)) {
        const std::string controllers = read_text(r / "cgroup.controllers");
        const bool has = controllers.find("memory") != std::string::npos &&
                         controllers.find("cpu") != std::string::npos;
        const fs::path base = r / "faas";
        if (has && make_dir(base) &&
            write_text(base / "cgroup.subtree_control", "+memory +cpu") &&
            probe(base, "memory.max")) {
            l.mode_ = LimitMode::CgroupV2;
            l.v2_base_ = base.string();
            l.reason_ = "cgroup v2 at " + base.string() + " (memory.max, cpu.max)";
            return l;
        }
    }
    if (fs::exists(r / "memory" / "memory.limit_in_bytes", ec) &&
        fs::exists(r / "cpu" / "cpu.cfs_quota_us", ec) &&
        probe(r / "memory" / "faas", "memory.limit_in_bytes") &&
        probe(r / "cpu" / "faas", "cpu.cfs_quota_us")) {
        l.mode_ = LimitMode::CgroupV1;
        l.v1_memory_ = (r / "memory" / "faas").string();
        l.v1_cpu_ = (r / "cpu" / "faas").string();
        l.reason_ = "cgroup v1 at " + l.v1_memory_ + " and " + l.v1_cpu_ +
                    " (memory.limit_in_bytes, cpu.cfs_quota_us); no writable cgroup v2 "
                    "hierarchy with the memory and cpu controllers";
        return l;
    }
    l.mode_ = LimitMode::Rlimit;
    l.reason_ =
        "rlimits (RLIMIT_AS for memory; cpu limits are not enforced): no writable cgroup "
        "hierarchy under " + root;
    return l;
}

std::string Limiter::cgroup_name(const std::string& replica_id) {
    return "p" + std::to_string(::getpid()) + "-" + replica_id;
}

void Limiter::remove_stale() const {
    for (const std::string& base : {v2_base_, v1_memory_, v1_cpu_}) {
        if (base.empty()) {
            continue;
        }
        std::error_code ec;
        for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.size() < 3 || name[0] != 'p') {
                continue;
            }
            const auto dash = name.find('-');
            const long pid = std::strtol(name.substr(1, dash - 1).c_str(), nullptr, 10);
            if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
                ::rmdir(it->path().c_str());
            }
        }
    }
}

Result<LaunchLimits> Limiter::prepare(const std::string& replica_id,
                                      const ReplicaLimits& limits) const {
    LaunchLimits out;
    if (!limits.any()) {
        return out;
    }
    auto fail = [&](const fs::path& p) {
        const int err = errno;
        const int code = err ? err : EIO;
        return make_error(std::error_code(code, std::generic_category()),
                          "cannot set up cgroup " + p.string() + ": " + errno_text(code));
    };
    switch (mode_) {
        case LimitMode::CgroupV2: {
            const fs::path p = fs::path(v2_base_) / cgroup_name(replica_id);
            if (!make_dir(p)) {
                return fail(p);
            }
            if (limits.memory_bytes &&
                !write_text(p / "memory.max", std::to_string(*limits.memory_bytes))) {
                return fail(p / "memory.max");
            }
            if (limits.cpu_millis) {
                const std::uint64_t quota = std::max<std::uint64_t>(1000, *limits.cpu_millis * 100);
                if (!write_text(p / "cpu.max",
                                std::to_string(quota) + " " + std::to_string(kCpuPeriodUs))) {
                    return fail(p / "cpu.max");
                }
            }
            out.cgroup_procs.push_back((p / "cgroup.procs").string());
            return out;
        }
        case LimitMode::CgroupV1: {
            if (limits.memory_bytes) {
                const fs::path p = fs::path(v1_memory_) / cgroup_name(replica_id);
                const std::string bytes = std::to_string(*limits.memory_bytes);
                if (!make_dir(p) || !write_text(p / "memory.limit_in_bytes", bytes)) {
                    return fail(p);
                }
                out.cgroup_procs.push_back((p / "cgroup.procs").string());
            }
            if (limits.cpu_millis) {
                const fs::path p = fs::path(v1_cpu_) / cgroup_name(replica_id);
                const std::uint64_t quota = std::max<std::uint64_t>(1000, *limits.cpu_millis * 100);
                if (!make_dir(p) ||
                    !write_text(p / "cpu.cfs_period_us", std::to_string(kCpuPeriodUs)) ||
                    !write_text(p / "cpu.cfs_quota_us", std::to_string(quota))) {
                    return fail(p);
                }
                out.cgroup_procs.push_back((p / "cgroup.procs").string());
            }
            return out;
        }
        case LimitMode::Rlimit:
            out.rlimit_as = limits.memory_bytes;
            return out;
    }
    return out;
}

void Limiter::release(const std::string& replica_id) const {
    for (const std::string& base : {v2_base_, v1_memory_, v1_cpu_}) {
        if (!base.empty()) {
            ::rmdir((fs::path(base) / cgroup_name(replica_id)).c_str());
        }
    }
}

}  // namespace faas::provider::local
