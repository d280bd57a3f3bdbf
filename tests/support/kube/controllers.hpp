#pragma once
// The stand-in's controller-manager and scheduler: Deployment -> ReplicaSets -> Pods (rolling
// updates, status as the real controllers write it), binding pods to a Ready node,
// EndpointSlices for Services, and the garbage collector (background and foreground deletion).
// Level-triggered: every store change schedules one pass over all objects, and a pass writes only
// what differs, so passes settle. Runs on the server thread (see server.hpp); owned by the
// Server through add_controller().
#include <chrono>
#include <memory>
#include <random>

#include "core/asio.hpp"
#include "core/log/log.hpp"
#include "tests/support/kube/controller_util.hpp"
#include "tests/support/kube/server.hpp"
#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

// What one pass of a controller works with.
struct SyncContext {
    Store& store;
    util::Time now;
    std::mt19937_64& rng;
    log::Logger& log;
};

// Each is one controller's pass over every object it owns (controllers.cpp calls them in turn).
void sync_deployments(SyncContext& ctx);
void sync_replica_sets(SyncContext& ctx);
void schedule_pods(SyncContext& ctx);
void sync_endpoint_slices(SyncContext& ctx);
void collect_garbage(SyncContext& ctx);

// Writes `object` back when it differs from `before`; logs a failed write (a conflict means a
// newer version exists, and the pass it triggered will redo the work). True when written.
bool write_if_changed(SyncContext& ctx, const Gvr& gvr, const Value& before, Value object);
// Deletes `object` as its controller would (pods with the registry's default grace).
void delete_object(SyncContext& ctx,
                   const Gvr& gvr,
                   const Value& object,
                   std::string_view propagation = "Background");

class ControllerManager : public Controller {
public:
    // `resync`: a pass also runs this often without any change (time-based rules such as
    // minReadySeconds).
    explicit ControllerManager(std::chrono::milliseconds resync = std::chrono::seconds(1));
    ~ControllerManager() override;

    void start(ControllerContext& ctx) override;
    void on_event(const Event& event) override;
    awaitable<void> stop() override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::test::kube
