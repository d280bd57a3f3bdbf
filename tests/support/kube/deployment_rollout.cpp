#include "tests/support/kube/deployment_rollout.hpp"

#include <algorithm>
#include <string>

namespace faas::test::kube {

namespace {

bool rolling(const Value& d) {
    const std::string type = d.string_at({"spec", "strategy", "type"});
    return type.empty() || type == "RollingUpdate";
}

// ResolveFenceposts: surge rounds up, unavailable down; both zero would deadlock, so 0/1.
std::pair<std::int64_t, std::int64_t> fenceposts(const Value& d) {
    const std::int64_t replicas = d.int_at({"spec", "replicas"}, 1);
    const Value* ru = d.at({"spec", "strategy", "rollingUpdate"});
    const Value* surge_v = ru != nullptr ? ru->find("maxSurge") : nullptr;
    const Value* unavail_v = ru != nullptr ? ru->find("maxUnavailable") : nullptr;
    const Value quarter("25%");
    const std::int64_t surge =
        util::scaled_value(surge_v != nullptr ? surge_v : &quarter, replicas, true, 0);
    std::int64_t unavail =
        util::scaled_value(unavail_v != nullptr ? unavail_v : &quarter, replicas, false, 0);
    if (surge == 0 && unavail == 0) {
        unavail = 1;
    }
    return {surge, unavail};
}

std::int64_t sum(const std::vector<Value>& sets, std::initializer_list<std::string_view> path) {
    std::int64_t n = 0;
    for (const Value& rs : sets) {
        n += rs.int_at(path);
    }
    return n;
}

}  // namespace

Value new_condition(std::string_view type,
                    bool status,
                    std::string_view reason,
                    std::string_view message,
                    util::Time now) {
    Value c = Value::object();
    c["type"] = type;
    c["status"] = status ? "True" : "False";
    c["lastUpdateTime"] = util::timestamp(now);
    c["lastTransitionTime"] = util::timestamp(now);
    c["reason"] = reason;
    c["message"] = message;
    return c;
}

void set_condition(Value& status, Value cond) {
    Value& conds = status["conditions"];
    const std::string type = cond.string_at({"type"});
    for (const Value& c : conds.items()) {
        if (c.string_at({"type"}) != type ||
            c.string_at({"status"}) != cond.string_at({"status"})) {
            continue;
        }
        if (c.string_at({"reason"}) == cond.string_at({"reason"})) {
            return;
        }
        cond["lastTransitionTime"] = c.string_at({"lastTransitionTime"});
    }
    std::erase_if(conds.items(), [&](const Value& c) { return c.string_at({"type"}) == type; });
    conds.push_back(std::move(cond));
}

namespace {

// Old pods may go while at least spec.replicas - maxUnavailable stay available, first the
// unhealthy ones (they block nothing), then the oldest sets' available ones.
bool scale_down_old(SyncContext& ctx, const Value& d, std::vector<Value>& sets, Value& cur) {
    std::int64_t old_spec = 0;
    for (const Value& rs : sets) {
        old_spec += &rs == &cur ? 0 : rs.int_at({"spec", "replicas"});
    }
    if (old_spec == 0) {
        return false;
    }
    const std::int64_t min_available = d.int_at({"spec", "replicas"}, 1) - max_unavailable(d);
    const std::int64_t new_unavailable =
        cur.int_at({"spec", "replicas"}) - cur.int_at({"status", "availableReplicas"});
    std::int64_t budget = sum(sets, {"spec", "replicas"}) - min_available - new_unavailable;
    if (budget <= 0) {
        return false;
    }
    bool acted = false;
    for (Value& rs : sets) {  // unhealthy replicas first
        const std::int64_t spec = rs.int_at({"spec", "replicas"});
        const std::int64_t unhealthy = spec - rs.int_at({"status", "availableReplicas"});
        if (&rs == &cur || budget <= 0 || unhealthy <= 0) {
            continue;
        }
        const std::int64_t n = std::min(budget, unhealthy);
        acted = scale_set(ctx, d, rs, spec - n) || acted;
        budget -= n;
    }
    std::int64_t excess = sum(sets, {"status", "availableReplicas"}) - min_available;
    for (Value& rs : sets) {  // oldest first (sets are sorted by creation)
        const std::int64_t spec = rs.int_at({"spec", "replicas"});
        if (&rs == &cur || excess <= 0 || spec == 0) {
            continue;
        }
        const std::int64_t n = std::min(spec, excess);
        acted = scale_set(ctx, d, rs, spec - n) || acted;
        excess -= n;
    }
    return acted;
}

}  // namespace

std::int64_t max_surge(const Value& d) {
    return rolling(d) ? fenceposts(d).first : 0;
}

std::int64_t max_unavailable(const Value& d) {
    const std::int64_t replicas = d.int_at({"spec", "replicas"}, 1);
    if (!rolling(d) || replicas == 0) {
        return 0;
    }
    return std::min(fenceposts(d).second, replicas);
}

std::int64_t initial_replicas(const Value& d, const std::vector<Value>& sets) {
    const std::int64_t want = d.int_at({"spec", "replicas"}, 1);
    if (!rolling(d)) {
        return sum(sets, {"status", "replicas"}) > 0 ? 0 : want;
    }
    const std::int64_t room = want + max_surge(d) - sum(sets, {"spec", "replicas"});
    return std::clamp<std::int64_t>(room, 0, want);
}

bool scale_set(SyncContext& ctx, const Value& d, Value& rs, std::int64_t replicas) {
    Value next = rs;
    next["spec"]["replicas"] = replicas;
    const std::int64_t want = d.int_at({"spec", "replicas"}, 1);
    next["metadata"]["annotations"][kDesired] = std::to_string(want);
    next["metadata"]["annotations"][kMaxReplicas] = std::to_string(want + max_surge(d));
    if (next == rs) {
        return false;
    }
    auto written = ctx.store.update(gvr::kReplicaSets, next);
    if (!written) {
        ctx.log->debug("scale replicaset failed name={} error=\"{}\"",
                       rs.string_at({"metadata", "name"}), written.error().message);
        return false;
    }
    rs = std::move(written).value();
    return true;
}

bool rollout_rolling(SyncContext& ctx, const Value& d, std::vector<Value>& sets, Value& cur) {
    const std::int64_t want = d.int_at({"spec", "replicas"}, 1);
    const std::int64_t have = cur.int_at({"spec", "replicas"});
    if (have > want) {
        return scale_set(ctx, d, cur, want);
    }
    if (have < want) {
        const std::int64_t room = want + max_surge(d) - sum(sets, {"spec", "replicas"});
        if (room > 0) {
            return scale_set(ctx, d, cur, have + std::min(room, want - have));
        }
    }
    return scale_down_old(ctx, d, sets, cur);
}

void note_new_set(SyncContext& ctx, Value& d, const Value& rs) {
    Value next = d;
    const std::string msg =
        "Created new replica set \"" + rs.string_at({"metadata", "name"}) + "\"";
    set_condition(next["status"],
                  new_condition("Progressing", true, "NewReplicaSetCreated", msg, ctx.now));
    if (auto w = ctx.store.update(gvr::kDeployments, next)) {
        d = std::move(w).value();
    }
}

bool deployment_complete(const Value& d, const Value* status) {
    if (status == nullptr) {
        return false;
    }
    const std::int64_t want = d.int_at({"spec", "replicas"}, 1);
    return status->int_at({"updatedReplicas"}) == want && status->int_at({"replicas"}) == want &&
           status->int_at({"availableReplicas"}) == want &&
           status->int_at({"observedGeneration"}) >= d.int_at({"metadata", "generation"});
}

}  // namespace faas::test::kube
