// The Deployment controller, as kube-controller-manager's: one ReplicaSet per pod template
// (`<deployment>-<pod-template-hash>`), rolling updates within maxSurge/maxUnavailable,
// Recreate, revision history cleanup, and the status with the real field and condition rules.
#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/kube/controllers.hpp"
#include "tests/support/kube/deployment_rollout.hpp"

namespace faas::test::kube {

namespace {

// The pod-template-hash: FNV-1a of the template as stored (plus the collision count), in
// decimal, through SafeEncodeString, as the real controller spells it.
std::string template_hash(const Value& tmpl, std::int64_t collisions) {
    std::string data = tmpl.dump();
    if (collisions > 0) {
        data += std::to_string(collisions);
    }
    return util::safe_encode(std::to_string(util::fnv32a(data)));
}

Value without_hash(const Value& tmpl) {
    Value t = tmpl;
    if (Value* labels = t.at({"metadata", "labels"})) {
        labels->erase("pod-template-hash");
    }
    return t;
}

std::int64_t revision_of(const Value& rs) {
    const std::string r = rs.string_at({"metadata", "annotations", kRevision});
    return r.empty() ? 0 : std::stoll(r);
}

// Annotations a ReplicaSet takes from its Deployment (the rollout's own are set apart).
void copy_annotations(const Value& d, Value& rs) {
    if (const Value* ann = d.at({"metadata", "annotations"})) {
        for (const auto& [k, v] : ann->members()) {
            if (k != kRevision && k != "kubectl.kubernetes.io/last-applied-configuration") {
                rs["metadata"]["annotations"][k] = v;
            }
        }
    }
}

Value new_replica_set(const Value& d,
                      const std::string& hash,
                      std::int64_t replicas,
                      std::int64_t revision) {
    const std::int64_t want = d.int_at({"spec", "replicas"}, 1);
    Value rs = Value::object();
    rs["apiVersion"] = "apps/v1";
    rs["kind"] = "ReplicaSet";
    Value& meta = rs["metadata"];
    meta["name"] = d.string_at({"metadata", "name"}) + "-" + hash;
    meta["namespace"] = d.string_at({"metadata", "namespace"});
    Value labels = Value::object();
    if (const Value* l = d.at({"spec", "template", "metadata", "labels"})) {
        labels = *l;
    }
    labels["pod-template-hash"] = hash;
    meta["labels"] = labels;
    copy_annotations(d, rs);
    meta["annotations"][kDesired] = std::to_string(want);
    meta["annotations"][kMaxReplicas] = std::to_string(want + max_surge(d));
    meta["annotations"][kRevision] = std::to_string(revision);
    meta["ownerReferences"] = Value::Array{util::controller_ref(d)};
    Value& spec = rs["spec"];
    spec["replicas"] = replicas;
    if (const std::int64_t mrs = d.int_at({"spec", "minReadySeconds"}); mrs > 0) {
        spec["minReadySeconds"] = mrs;
    }
    Value selector = Value::object();
    if (const Value* s = d.at({"spec", "selector"})) {
        selector = *s;
    }
    selector["matchLabels"]["pod-template-hash"] = hash;
    spec["selector"] = selector;
    spec["template"] = d.at({"spec", "template"}) ? *d.at({"spec", "template"}) : Value::object();
    spec["template"]["metadata"]["labels"] = labels;
    rs["status"]["replicas"] = 0;
    return rs;
}

// The ReplicaSets the Deployment controls, oldest first.
std::vector<Value> owned_sets(SyncContext& ctx, const Value& d) {
    const std::string uid = d.string_at({"metadata", "uid"});
    std::vector<Value> out;
    for (Value& rs : ctx.store.list(gvr::kReplicaSets, d.string_at({"metadata", "namespace"}))) {
        if (util::controller_uid(rs) == uid) {
            out.push_back(std::move(rs));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Value& a, const Value& b) {
        return a.string_at({"metadata", "creationTimestamp"}) <
               b.string_at({"metadata", "creationTimestamp"});
    });
    return out;
}

// Finds the ReplicaSet of the current template, creating it (and noting it in the status
// conditions) when missing; keeps the revision annotations of both objects current.
Value* current_set(SyncContext& ctx, Value& d, std::vector<Value>& sets) {
    const Value tmpl = d.at({"spec", "template"}) ? *d.at({"spec", "template"}) : Value::object();
    std::int64_t max_rev = 0;
    Value* found = nullptr;
    for (Value& rs : sets) {
        const Value* t = rs.at({"spec", "template"});
        if (found == nullptr && t != nullptr && without_hash(*t) == tmpl) {
            found = &rs;
        } else {
            max_rev = std::max(max_rev, revision_of(rs));
        }
    }
    if (found != nullptr) {
        if (revision_of(*found) <= max_rev) {  // an old template came back: a new revision
            Value next = *found;
            next["metadata"]["annotations"][kRevision] = std::to_string(max_rev + 1);
            if (auto w = ctx.store.update(gvr::kReplicaSets, next)) {
                *found = std::move(w).value();
            }
        }
        return found;
    }
    const std::int64_t collisions = d.int_at({"status", "collisionCount"});
    const std::string hash = template_hash(tmpl, collisions);
    auto created = ctx.store.create(
        gvr::kReplicaSets, new_replica_set(d, hash, initial_replicas(d, sets), max_rev + 1));
    if (!created) {
        if (created.error().code == 409) {  // the name is taken: the next pass hashes anew
            Value next = d;
            next["status"]["collisionCount"] = collisions + 1;
            write_if_changed(ctx, gvr::kDeployments, d, std::move(next));
        }
        return nullptr;
    }
    sets.push_back(std::move(created).value());
    note_new_set(ctx, d, sets.back());
    return &sets.back();
}

// The Deployment's revision annotation follows its current ReplicaSet.
void sync_revision(SyncContext& ctx, Value& d, const Value& rs) {
    const std::string rev = rs.string_at({"metadata", "annotations", kRevision});
    if (d.string_at({"metadata", "annotations", kRevision}) == rev) {
        return;
    }
    Value next = d;
    // The real controller puts its annotation first (Go maps serialise sorted, and
    // "deployment..." sorts before the usual user keys).
    Value annotations = Value::object();
    annotations[kRevision] = rev;
    if (const Value* a = d.at({"metadata", "annotations"})) {
        for (const auto& [k, v] : a->members()) {
            if (k != kRevision) {
                annotations[k] = v;
            }
        }
    }
    next["metadata"]["annotations"] = std::move(annotations);
    if (auto w = ctx.store.update(gvr::kDeployments, next)) {
        d = std::move(w).value();
    }
}

// Recreate: every old pod goes before any new one starts.
bool rollout_recreate(SyncContext& ctx, const Value& d, std::vector<Value>& sets, Value& cur) {
    bool scaled = false;
    std::int64_t old_pods = 0;
    for (Value& rs : sets) {
        if (&rs != &cur) {
            scaled = scale_set(ctx, d, rs, 0) || scaled;
            old_pods += rs.int_at({"status", "replicas"});
        }
    }
    if (scaled || old_pods > 0) {
        return true;
    }
    return scale_set(ctx, d, cur, d.int_at({"spec", "replicas"}, 1));
}

// Deletes old ReplicaSets with no pods beyond spec.revisionHistoryLimit, oldest first.
void cleanup_history(SyncContext& ctx, const Value& d, std::vector<Value>& sets, const Value& cur) {
    const std::int64_t limit = d.int_at({"spec", "revisionHistoryLimit"}, 10);
    std::vector<const Value*> idle;
    for (const Value& rs : sets) {
        if (&rs != &cur && rs.int_at({"spec", "replicas"}) == 0 &&
            rs.int_at({"status", "replicas"}) == 0 && !util::being_deleted(rs)) {
            idle.push_back(&rs);
        }
    }
    for (std::size_t i = 0; i + static_cast<std::size_t>(limit) < idle.size(); ++i) {
        delete_object(ctx, gvr::kReplicaSets, *idle[i]);
    }
}

void sync_one(SyncContext& ctx, Value d) {
    std::vector<Value> sets = owned_sets(ctx, d);
    Value* cur = current_set(ctx, d, sets);
    if (cur == nullptr) {
        return;
    }
    sync_revision(ctx, d, *cur);
    if (d.at({"spec", "paused"}) != nullptr && d.at({"spec", "paused"})->as_bool()) {
        write_status(ctx, d, sets, *cur);
        return;
    }
    bool acted = false;
    if (d.string_at({"spec", "strategy", "type"}) == "Recreate") {
        acted = rollout_recreate(ctx, d, sets, *cur);
    } else {
        acted = rollout_rolling(ctx, d, sets, *cur);
    }
    if (!acted && deployment_complete(d, d.at({"status"}))) {
        cleanup_history(ctx, d, sets, *cur);
    }
    write_status(ctx, d, sets, *cur);
}

}  // namespace

void sync_deployments(SyncContext& ctx) {
    for (Value& d : ctx.store.list(gvr::kDeployments, "")) {
        if (!util::being_deleted(d)) {
            sync_one(ctx, std::move(d));
        }
    }
}

}  // namespace faas::test::kube
