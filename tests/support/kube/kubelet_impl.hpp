#pragma once
// The Kubelet's state, shared by kubelet.cpp (node, sync, logs), kubelet_pod.cpp (a pod's life:
// start, probe, restart, terminate) and kubelet_status.cpp (the pod status it writes). Server
// thread only.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/async/async_event.hpp"
#include "core/async/task_group.hpp"
#include "core/http/client.hpp"
#include "core/process/child.hpp"
#include "tests/support/kube/controller_util.hpp"
#include "tests/support/kube/kubelet.hpp"
#include "tests/support/kube/pod_log.hpp"
#include "tests/support/kube/pod_runtime.hpp"

namespace faas::test::kube {

// One pod bound to this node, from the moment the kubelet sees it until it is removed.
struct PodWorker {
    PodWorker(const asio::any_io_executor& ex, const Value& object)
        : pod(object), wake(ex), log(std::make_shared<PodLog>(ex)) {}

    std::string ns() const { return pod.string_at({"metadata", "namespace"}); }
    std::string name() const { return pod.string_at({"metadata", "name"}); }
    std::string uid() const { return pod.string_at({"metadata", "uid"}); }

    Value pod;  // as the kubelet first saw it (the spec it runs)
    std::string ip;
    std::optional<process::Child> child;
    bool exited = false;
    process::ExitStatus exit;
    util::Time started_at{};
    util::Time finished_at{};
    std::uint64_t run = 0;  // the container instance; probe loops of older ones end
    bool deleting = false;  // deletionTimestamp seen: terminate with `grace`
    std::int64_t grace = 30;
    bool gone = false;  // force-deleted, or the kubelet stops: kill now
    bool ready = false;
    int restarts = 0;
    Value last_terminated;   // the previous instance's end, for lastState
    async::AsyncEvent wake;  // exit, deletion or kill
    std::shared_ptr<PodLog> log;
};
using WorkerPtr = std::shared_ptr<PodWorker>;

struct Kubelet::Impl {
    explicit Impl(KubeletOptions o) : options(std::move(o)) {}

    KubeletOptions options;
    RuntimeConfig runtime;
    ControllerContext* ctx = nullptr;
    std::optional<async::TaskGroup> tasks;
    std::optional<http::ClientPool> http;
    std::map<std::string, WorkerPtr> workers;  // by pod uid
    std::set<int> ips_in_use;                  // N of 127.0.1.N
    bool queued = false;

    void register_node();
    void queue();
    void sync();
    // Runs `task` in the group; false when the kubelet is stopping (nothing was started).
    bool spawn(awaitable<void> task, const std::string& what);
    std::string allocate_ip();
    void release_ip(const std::string& ip);

    // kubelet_pod.cpp
    awaitable<void> run_pod(WorkerPtr w);
    awaitable<bool> wait_for_volumes(const WorkerPtr& w);
    awaitable<bool> run_container(const WorkerPtr& w);
    awaitable<void> watch_exit(WorkerPtr w);
    awaitable<void> read_output(WorkerPtr w, bool is_stderr);
    awaitable<void> terminate(const WorkerPtr& w);
    awaitable<void> probe_loop(WorkerPtr w, std::uint64_t run);
    awaitable<bool> probe_once(const WorkerPtr& w, const Value& probe);
    awaitable<void> sleep_or_wake(const WorkerPtr& w, std::chrono::nanoseconds d);
    void finish(const WorkerPtr& w);

    // kubelet_status.cpp: each rewrites the stored pod's status when it changed.
    void status_waiting(const WorkerPtr& w, std::string_view reason, std::string_view message);
    void status_running(const WorkerPtr& w);
    void status_ready(const WorkerPtr& w);
    void status_crashed(const WorkerPtr& w, std::chrono::nanoseconds backoff);
    void status_terminal(const WorkerPtr& w);
};

}  // namespace faas::test::kube
