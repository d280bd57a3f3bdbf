#pragma once
// What the stand-in's kubelet does in place of a container runtime: a pod's container becomes a
// real fwatchdog process started through the local back end's replica launcher (faas-replica:
// its own process group, SIGKILL when the stand-in's thread dies, the secrets directory
// bind-mounted read-only at /var/openfaas/secrets when the machine allows it). Each pod has a
// directory with its emptyDir /tmp (TMPDIR, so the watchdog's lock file is the pod's own) and its
// projected secrets, and listens on its own loopback address, as a pod has its own network
// namespace. Plain functions; the Kubelet calls them on the server thread.
#include <filesystem>
#include <string>
#include <vector>

#include "core/process/child.hpp"
#include "core/result.hpp"
#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

struct RuntimeConfig {
    std::filesystem::path bin_dir;   // fwatchdog and faas-replica
    std::filesystem::path pods_dir;  // one directory per pod below it
    bool mount_secrets = false;      // bind-mount at /var/openfaas/secrets (root only)
};

// The pod's directory: <pods_dir>/<namespace>_<name>_<uid>.
std::filesystem::path pod_dir(const RuntimeConfig& config, const Value& pod);

// Creates the pod's directory, its tmp and its secrets (every secret the volumes mounted by
// the first container name, written as files). Errors name what is missing, as the kubelet's
// FailedMount event does: a missing secret keeps the pod from starting.
Status prepare_pod_dir(const RuntimeConfig& config, const Store& store, const Value& pod);

// The container's environment: the basics a process needs, the container's env entries, and
// the stand-in's own: bind_address (the pod's IP), TMPDIR, HOSTNAME and, when the secrets are
// not mounted, secret_mount_path.
std::vector<std::string> container_env(const RuntimeConfig& config,
                                       const Value& pod,
                                       const std::string& ip);

// Starts the pod's first container.
Result<process::Child> start_container(const asio::any_io_executor& ex,
                                       const RuntimeConfig& config,
                                       const Value& pod,
                                       const std::string& ip);

}  // namespace faas::test::kube
