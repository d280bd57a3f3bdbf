#pragma once
// The replica launcher: `faas-replica ...` (a tiny executable next to faas-provider, quick to
// start; `faas-provider --exec-replica ...` does the same) runs between the provider and
// fwatchdog. It asks for SIGKILL when the provider dies (PR_SET_PDEATHSIG), moves itself into
// the replica's cgroups or sets its rlimit, and, when it can (root + mount namespaces),
// bind-mounts the replica's own secrets directory read-only at /var/openfaas/secrets in a
// private mount namespace. Then it execs fwatchdog with the environment it was given.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace faas::provider::local {

inline constexpr const char* kSecretsPath = "/var/openfaas/secrets";
inline constexpr const char* kLauncherFlag = "--exec-replica";

struct LaunchSpec {
    std::string watchdog;
    std::string secrets_dir;  // bind-mounted at kSecretsPath when `mount_secrets`
    bool mount_secrets = false;
    std::vector<std::string> cgroup_procs;
    std::optional<std::uint64_t> rlimit_as;
    pid_t parent = 0;
};

// argv for posix_spawn. `launcher` is the faas-replica executable, or (when `via_flag`) our
// own executable, which turns into the launcher when its first argument is kLauncherFlag.
std::vector<std::string> launcher_argv(const std::string& launcher, bool via_flag,
                                       const LaunchSpec& spec);

// The launcher's main; its options start at argv[first]. Returns only on failure, with the
// exit code; the reason is on stderr.
int run_launcher(int argc, char** argv, int first);

// True when a child process can make a private mount namespace and bind-mount over
// kSecretsPath (root, mount namespaces allowed). Runs a short probe child; call at start-up.
bool probe_secret_mount(const std::string& self);

}  // namespace faas::provider::local
