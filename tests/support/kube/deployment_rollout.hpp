#pragma once
// The rollout arithmetic and the status of the stand-in's Deployment controller, following
// kube-controller-manager's deployment package (rolling.go, progress.go, sync.go): how far the new
// ReplicaSet may grow and old ones shrink, and the status counters and conditions it writes.
// Server thread only.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tests/support/kube/controllers.hpp"

namespace faas::test::kube {

inline constexpr std::string_view kRevision = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kDesired = "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicas = "deployment.kubernetes.io/max-replicas";

// maxSurge / maxUnavailable resolved against spec.replicas (0 and 0 become 0 and 1).
std::int64_t max_surge(const Value& d);
std::int64_t max_unavailable(const Value& d);
// The size a new ReplicaSet starts at, given the Deployment's other sets.
std::int64_t initial_replicas(const Value& d, const std::vector<Value>& sets);
// Sets a ReplicaSet's size and the rollout's annotations on it; `rs` becomes the stored object.
bool scale_set(SyncContext& ctx, const Value& d, Value& rs, std::int64_t replicas);
// One step of a rolling update: grow the current set, else shrink old ones. True when it acted.
bool rollout_rolling(SyncContext& ctx, const Value& d, std::vector<Value>& sets, Value& cur);
// Records the Progressing=NewReplicaSetCreated condition after `rs` was created.
void note_new_set(SyncContext& ctx, Value& d, const Value& rs);
// Every replica updated, counted and available, for the generation observed in `status`.
bool deployment_complete(const Value& d, const Value* status);
// A Deployment condition dated `now`.
Value new_condition(std::string_view type,
                    bool status,
                    std::string_view reason,
                    std::string_view message,
                    util::Time now);
// SetDeploymentCondition: no change when status and reason match; the transition time stays
// when only the reason changes; the condition moves to the end of the list.
void set_condition(Value& status, Value cond);
// Computes status (counters from the sets, Available and Progressing conditions) and writes
// it when it changed.
void write_status(SyncContext& ctx, Value& d, const std::vector<Value>& sets, const Value& cur);

}  // namespace faas::test::kube
