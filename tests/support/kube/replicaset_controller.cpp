// The ReplicaSet controller (pods `<rs>-<5 chars>` from the template, the deletion ranking of
// scale-down, the status counters) and the scheduler (binds pods to a Ready node, or marks them
// Unschedulable as 51 and 91 show when there is none).
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/kube/controllers.hpp"
#include "tests/support/kube/pod_defaults.hpp"

namespace faas::test::kube {

namespace {

Value pod_from_template(const Value& rs) {
    Value pod = Value::object();
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    Value& meta = pod["metadata"];
    meta["generateName"] = rs.string_at({"metadata", "name"}) + "-";
    meta["namespace"] = rs.string_at({"metadata", "namespace"});
    const Value* tmpl = rs.at({"spec", "template"});
    if (const Value* l = tmpl != nullptr ? tmpl->at({"metadata", "labels"}) : nullptr) {
        meta["labels"] = *l;
    }
    if (const Value* a = tmpl != nullptr ? tmpl->at({"metadata", "annotations"}) : nullptr) {
        meta["annotations"] = *a;
    }
    meta["ownerReferences"] = Value::Array{util::controller_ref(rs)};
    pod["spec"] = tmpl != nullptr && tmpl->find("spec") ? *tmpl->find("spec") : Value::object();
    apply_pod_defaults(pod);
    return pod;
}

bool pod_available(const Value& pod, std::int64_t min_ready, util::Time now) {
    if (!util::pod_ready(pod)) {
        return false;
    }
    if (min_ready <= 0) {
        return true;
    }
    const Value* c = util::condition(pod, "Ready");
    const auto since = util::parse_timestamp(c->string_at({"lastTransitionTime"}));
    return since && *since + std::chrono::seconds(min_ready) <= now;
}

int phase_rank(const Value& pod) {
    const std::string phase = pod.string_at({"status", "phase"});
    return phase == "Pending" ? 0 : phase == "Running" ? 2 : 1;
}

// ActivePodsWithRanks: which pods a scale-down removes first. Unscheduled before scheduled,
// Pending before Running, not ready before ready, ready for less time first, newer first.
bool delete_first(const Value& a, const Value& b) {
    const auto key = [](const Value& p) {
        return std::make_tuple(!p.string_at({"spec", "nodeName"}).empty(), phase_rank(p),
                               util::pod_ready(p));
    };
    if (key(a) != key(b)) {
        return key(a) < key(b);
    }
    const auto since = [](const Value& p) {
        const Value* c = util::condition(p, "Ready");
        return c != nullptr ? c->string_at({"lastTransitionTime"}) : std::string();
    };
    if (since(a) != since(b)) {
        return since(a) > since(b);
    }
    return a.string_at({"metadata", "creationTimestamp"}) >
           b.string_at({"metadata", "creationTimestamp"});
}

Value rs_status(const Value& rs, const std::vector<Value>& active, util::Time now) {
    const std::int64_t min_ready = rs.int_at({"spec", "minReadySeconds"});
    std::int64_t ready = 0;
    std::int64_t available = 0;
    for (const Value& p : active) {
        ready += util::pod_ready(p) ? 1 : 0;
        available += pod_available(p, min_ready, now) ? 1 : 0;
    }
    Value s = Value::object();
    const auto n = static_cast<std::int64_t>(active.size());
    s["replicas"] = n;
    if (n > 0) {
        s["fullyLabeledReplicas"] = n;
    }
    if (ready > 0) {
        s["readyReplicas"] = ready;
    }
    if (available > 0) {
        s["availableReplicas"] = available;
    }
    s["observedGeneration"] = rs.int_at({"metadata", "generation"});
    return s;
}

void sync_one(SyncContext& ctx, const Value& rs) {
    const std::string ns = rs.string_at({"metadata", "namespace"});
    const std::string uid = rs.string_at({"metadata", "uid"});
    std::vector<Value> active;
    for (Value& p : ctx.store.list(gvr::kPods, ns)) {
        if (util::controller_uid(p) == uid && util::pod_active(p)) {
            active.push_back(std::move(p));
        }
    }
    const std::int64_t want = rs.int_at({"spec", "replicas"}, 1);
    const auto have = static_cast<std::int64_t>(active.size());
    if (have < want && !util::being_deleted(rs)) {
        for (std::int64_t i = have; i < want; ++i) {
            auto created = ctx.store.create(gvr::kPods, pod_from_template(rs));
            if (!created) {
                ctx.log->warn("create pod failed rs={} error=\"{}\"",
                              rs.string_at({"metadata", "name"}), created.error().message);
                break;
            }
            active.push_back(std::move(created).value());
        }
    } else if (have > want) {
        std::stable_sort(active.begin(), active.end(), delete_first);
        for (std::int64_t i = 0; i < have - want; ++i) {
            delete_object(ctx, gvr::kPods, active[static_cast<std::size_t>(i)]);
        }
        active.erase(active.begin(), active.begin() + (have - want));
    }
    Value next = rs;
    next["status"] = rs_status(rs, active, ctx.now);
    write_if_changed(ctx, gvr::kReplicaSets, rs, std::move(next));
}

bool node_ready(const Value& node) {
    const Value* unschedulable = node.at({"spec", "unschedulable"});
    const Value* ready = util::condition(node, "Ready");
    return (unschedulable == nullptr || !unschedulable->as_bool()) && ready != nullptr &&
           ready->string_at({"status"}) == "True";
}

void mark_unschedulable(SyncContext& ctx, const Value& pod) {
    const Value* c = util::condition(pod, "PodScheduled");
    if (c != nullptr && c->string_at({"reason"}) == "Unschedulable") {
        return;
    }
    Value next = pod;
    Value cond = Value::object();
    cond["type"] = "PodScheduled";
    cond["status"] = "False";
    cond["lastProbeTime"] = nullptr;
    cond["lastTransitionTime"] = util::timestamp(ctx.now);
    cond["reason"] = "Unschedulable";
    cond["message"] = "no nodes available to schedule pods";
    next["status"]["conditions"] = Value::Array{std::move(cond)};
    write_if_changed(ctx, gvr::kPods, pod, std::move(next));
}

}  // namespace

void sync_replica_sets(SyncContext& ctx) {
    for (const Value& rs : ctx.store.list(gvr::kReplicaSets, "")) {
        sync_one(ctx, rs);
    }
}

void schedule_pods(SyncContext& ctx) {
    std::vector<std::string> nodes;
    for (const Value& n : ctx.store.list(gvr::kNodes, "")) {
        if (node_ready(n)) {
            nodes.push_back(n.string_at({"metadata", "name"}));
        }
    }
    std::size_t next_node = 0;
    for (const Value& pod : ctx.store.list(gvr::kPods, "")) {
        if (!pod.string_at({"spec", "nodeName"}).empty() || util::being_deleted(pod)) {
            continue;
        }
        if (nodes.empty()) {
            mark_unschedulable(ctx, pod);
            continue;
        }
        Value next = pod;
        next["spec"]["nodeName"] = nodes[next_node++ % nodes.size()];
        if (Value* conds = next.at({"status", "conditions"})) {  // drop Unschedulable
            std::erase_if(conds->items(),
                          [](const Value& c) { return c.string_at({"type"}) == "PodScheduled"; });
        }
        util::set_pod_condition(next, "PodScheduled", true, ctx.now);
        write_if_changed(ctx, gvr::kPods, pod, std::move(next));
    }
}

}  // namespace faas::test::kube
