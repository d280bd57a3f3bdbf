// The Deployment status as the real controller writes it (calculateStatus and syncRolloutStatus):
// counters summed over the ReplicaSets' statuses, every zero counter omitted (the Go fields are
// omitempty: 34, 45), the Available condition against spec.replicas - maxUnavailable, and the
// Progressing condition's reasons (ReplicaSetUpdated, NewReplicaSetAvailable,
// ProgressDeadlineExceeded).
#include <algorithm>
#include <string>

#include "tests/support/kube/deployment_rollout.hpp"

namespace faas::test::kube {

namespace {

struct Counts {
    std::int64_t replicas = 0;
    std::int64_t updated = 0;
    std::int64_t ready = 0;
    std::int64_t available = 0;
    std::int64_t unavailable = 0;
};

Counts count(const std::vector<Value>& sets, const Value& cur) {
    Counts c;
    std::int64_t spec = 0;
    for (const Value& rs : sets) {
        c.replicas += rs.int_at({"status", "replicas"});
        c.ready += rs.int_at({"status", "readyReplicas"});
        c.available += rs.int_at({"status", "availableReplicas"});
        spec += rs.int_at({"spec", "replicas"});
    }
    c.updated = cur.int_at({"status", "replicas"});
    c.unavailable = std::max<std::int64_t>(0, spec - c.available);
    return c;
}

void put(Value& status, std::string_view key, std::int64_t n) {
    if (n != 0) {
        status[key] = n;
    }
}

Value counters(const Value& d, const Counts& c) {
    Value s = Value::object();
    s["observedGeneration"] = d.int_at({"metadata", "generation"});
    put(s, "replicas", c.replicas);
    put(s, "updatedReplicas", c.updated);
    put(s, "readyReplicas", c.ready);
    put(s, "availableReplicas", c.available);
    put(s, "unavailableReplicas", c.unavailable);
    if (const Value* conds = d.at({"status", "conditions"})) {
        s["conditions"] = *conds;
    }
    return s;
}

// Progress: more updated/ready/available replicas or fewer old ones than the last status.
bool progressing(const Value* old, const Value& now) {
    const auto n = [](const Value* s, std::string_view k) {
        return s == nullptr ? 0 : s->int_at({k});
    };
    const std::int64_t old_old = n(old, "replicas") - n(old, "updatedReplicas");
    const std::int64_t new_old = n(&now, "replicas") - n(&now, "updatedReplicas");
    return n(&now, "updatedReplicas") > n(old, "updatedReplicas") || new_old < old_old ||
           n(&now, "readyReplicas") > n(old, "readyReplicas") ||
           n(&now, "availableReplicas") > n(old, "availableReplicas");
}

const Value* find_condition(const Value& status, std::string_view type) {
    if (const Value* conds = status.find("conditions")) {
        for (const Value& c : conds->items()) {
            if (c.string_at({"type"}) == type) {
                return &c;
            }
        }
    }
    return nullptr;
}

bool timed_out(const Value& d, const Value* cond, util::Time now) {
    const Value* deadline = d.at({"spec", "progressDeadlineSeconds"});
    if (cond == nullptr || deadline == nullptr || deadline->is_null() ||
        cond->string_at({"reason"}) == "ProgressDeadlineExceeded") {
        return false;
    }
    const auto since = util::parse_timestamp(cond->string_at({"lastUpdateTime"}));
    return since && *since + std::chrono::seconds(deadline->as_int()) < now;
}

void update_progressing(const Value& d, Value& status, const std::string& rs, util::Time now) {
    const Value* cur = find_condition(status, "Progressing");
    const bool complete = status.int_at({"replicas"}) == status.int_at({"updatedReplicas"}) &&
                          cur != nullptr && cur->string_at({"reason"}) == "NewReplicaSetAvailable";
    if (complete) {
        return;
    }
    if (deployment_complete(d, &status)) {
        set_condition(status,
                      new_condition("Progressing", true, "NewReplicaSetAvailable",
                                    "ReplicaSet \"" + rs + "\" has successfully progressed.", now));
    } else if (progressing(d.find("status"), status)) {
        Value c = new_condition("Progressing", true, "ReplicaSetUpdated",
                                "ReplicaSet \"" + rs + "\" is progressing.", now);
        if (cur != nullptr && cur->string_at({"status"}) == "True") {
            c["lastTransitionTime"] = cur->string_at({"lastTransitionTime"});
        }
        if (Value* conds = status.find("conditions")) {  // always rewritten: new update time
            auto& items = conds->items();
            std::erase_if(items,
                          [](const Value& x) { return x.string_at({"type"}) == "Progressing"; });
        }
        set_condition(status, std::move(c));
    } else if (timed_out(d, cur, now)) {
        set_condition(status,
                      new_condition("Progressing", false, "ProgressDeadlineExceeded",
                                    "ReplicaSet \"" + rs + "\" has timed out progressing.", now));
    }
}

}  // namespace

void write_status(SyncContext& ctx, Value& d, const std::vector<Value>& sets, const Value& cur) {
    const Counts c = count(sets, cur);
    Value status = counters(d, c);
    const std::int64_t want = d.int_at({"spec", "replicas"}, 1);
    if (c.available >= want - max_unavailable(d)) {
        set_condition(status, new_condition("Available", true, "MinimumReplicasAvailable",
                                            "Deployment has minimum availability.", ctx.now));
    } else {
        set_condition(status,
                      new_condition("Available", false, "MinimumReplicasUnavailable",
                                    "Deployment does not have minimum availability.", ctx.now));
    }
    if (d.at({"spec", "progressDeadlineSeconds"}) != nullptr) {
        update_progressing(d, status, cur.string_at({"metadata", "name"}), ctx.now);
    }
    if (const Value* cc = d.at({"status", "collisionCount"})) {
        status["collisionCount"] = *cc;
    }
    Value next = d;
    next["status"] = std::move(status);
    if (write_if_changed(ctx, gvr::kDeployments, d, next)) {
        d = std::move(next);
    }
}

}  // namespace faas::test::kube
