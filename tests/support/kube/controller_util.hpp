#pragma once
// Small rules the stand-in's controllers share, each as the real controller-manager and kubelet
// apply it: timestamps as the API writes them, generated name suffixes, owner references, pod
// predicates, conditions, intOrPercent values. Plain functions over Value; no state.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "tests/support/kube/value.hpp"

namespace faas::test::kube::util {

using Time = std::chrono::system_clock::time_point;

// "2026-12-07T19:52:45Z": metav1.Time, whole seconds.
std::string timestamp(Time t);
// Go's RFC3339Nano ("2026-12-07T19:52:45.1234Z", trailing zeros dropped): log timestamps.
std::string timestamp_nano(Time t);
// Parses timestamp()'s form (and a fractional one); nullopt when malformed.
std::optional<Time> parse_timestamp(std::string_view text);

// Kubernetes' rand.SafeEncodeString: each byte mapped into "bcdfghjklmnpqrstvwxz2456789", so
// generated names never spell words. The pod-template-hash is this over a decimal hash.
std::string safe_encode(std::string_view text);
// `n` random characters of that alphabet (the 5-character suffix of a generated name).
std::string random_suffix(std::mt19937_64& rng, std::size_t n = 5);
// FNV-1a, 32 bits.
std::uint32_t fnv32a(std::string_view data);

// The controller ownerReference pointing at `owner` (controller and blockOwnerDeletion true).
Value controller_ref(const Value& owner);
// The uid of the controller owner of `object` ("" when it has none).
std::string controller_uid(const Value& object);
// True when some ownerReference of `object` names `uid`.
bool owned_by(const Value& object, std::string_view uid);

bool being_deleted(const Value& object);
// A pod counted by ReplicaSets: not being deleted and not finished (Succeeded/Failed).
bool pod_active(const Value& pod);
// The pod's Ready condition is True.
bool pod_ready(const Value& pod);
// The condition of `type` in the object's status.conditions, or null.
const Value* condition(const Value& object, std::string_view type);
// Sets status.conditions[type] to `status` (adding it when missing), setting
// lastTransitionTime to `now` when the status changes. True when something changed.
bool set_pod_condition(Value& pod, std::string_view type, bool status, Time now);

// An intOrString: an int, or "N%" of `total` rounded up or down. Malformed: `fallback`.
std::int64_t scaled_value(const Value* value,
                          std::int64_t total,
                          bool round_up,
                          std::int64_t fallback);

// The grace a delete of `pod` gets when the request names none, as the pod registry decides:
// 0 for a pod no node runs (unscheduled) or one that has finished, else the pod's
// terminationGracePeriodSeconds (default 30).
std::int64_t pod_grace_seconds(const Value& pod);

}  // namespace faas::test::kube::util
