#pragma once
// Kubelet: the stand-in's node. It registers a Ready Node, runs every pod bound to it as a real
// fwatchdog process on the pod's own loopback address 127.0.1.N, port 8080 (pod_runtime.hpp),
// runs the container's readiness probe and writes the pod status as a kubelet does (phase
// Running, podIP, Ready/ContainersReady), restarts a container that exits (restartPolicy
// Always, with back-off), and on deletion sends SIGTERM, then SIGKILL after the grace period,
// and removes the pod once its process is gone. It also keeps each container's log and serves
// GET pods/<pod>/log (Server::set_log_provider(kubelet->log_provider())).
// Runs on the server thread; owned by the Server through add_controller().
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/support/kube/server.hpp"

namespace faas::test::kube {

struct KubeletOptions {
    std::string node_name = "fake-node-1";
    // The node's own address; pods get 127.0.1.2 and up.
    std::string node_ip = "127.0.1.1";
    std::filesystem::path bin_dir;   // fwatchdog and faas-replica
    std::filesystem::path pods_dir;  // per-pod directories (a test's temp dir)
    // How often a pod that cannot start yet (a secret missing) is tried again.
    std::chrono::milliseconds retry = std::chrono::seconds(1);
    // Restart back-off: first delay, doubled per restart, capped (the kubelet: 10 s, 5 min).
    std::chrono::milliseconds backoff = std::chrono::seconds(10);
    std::chrono::milliseconds max_backoff = std::chrono::minutes(5);
};

class Kubelet : public Controller {
public:
    explicit Kubelet(KubeletOptions options);
    ~Kubelet() override;

    void start(ControllerContext& ctx) override;
    void on_event(const Event& event) override;
    awaitable<void> stop() override;

    // The pods/<pod>/log route's provider; valid while the Kubelet lives.
    LogProvider log_provider();
    // The PIDs of the containers running now (server thread: call through Server::call).
    std::vector<pid_t> container_pids() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace faas::test::kube
