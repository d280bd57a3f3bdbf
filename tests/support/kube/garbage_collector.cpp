// The garbage collector: an object whose owners are all gone is deleted (background deletion of
// a Deployment removes its ReplicaSets, then their pods: 35, 36; a deleted Service's
// EndpointSlices: 78). An owner deleted with propagationPolicy=Foreground carries the
// foregroundDeletion finalizer (32, 33): its dependents are deleted (in the foreground too), and
// once none is left the finalizer is removed, which lets the store remove the owner.
#include <map>
#include <string>
#include <vector>

#include "tests/support/kube/controllers.hpp"

namespace faas::test::kube {

namespace {

constexpr std::string_view kForeground = "foregroundDeletion";

// The kinds that own others here, and the kinds that are owned.
constexpr Gvr kOwnerKinds[] = {gvr::kDeployments, gvr::kReplicaSets, gvr::kServices,
                               gvr::kStatefulSets};
constexpr Gvr kDependentKinds[] = {gvr::kReplicaSets, gvr::kPods, gvr::kEndpointSlices};

bool has_finalizer(const Value& object, std::string_view name) {
    if (const Value* f = object.at({"metadata", "finalizers"})) {
        for (const Value& x : f->items()) {
            if (x.as_string() == name) {
                return true;
            }
        }
    }
    return false;
}

struct Owner {
    Gvr gvr;
    Value object;
    std::size_t dependents = 0;
};

void remove_finalizer(SyncContext& ctx, const Owner& owner) {
    Value next = owner.object;
    if (Value* f = next.at({"metadata", "finalizers"})) {
        std::erase_if(f->items(), [](const Value& x) { return x.as_string() == kForeground; });
        if (f->empty()) {
            next["metadata"].erase("finalizers");
        }
    }
    write_if_changed(ctx, owner.gvr, owner.object, std::move(next));
}

// Deletes `dependent` when no owner of it is left, or in the foreground when its owner is
// being deleted that way. Counts it against the owners that still exist.
void collect(SyncContext& ctx,
             const Gvr& kind,
             const Value& dependent,
             std::map<std::string, Owner>& owners) {
    const Value* refs = dependent.at({"metadata", "ownerReferences"});
    if (refs == nullptr || refs->empty()) {
        return;
    }
    bool any_owner = false;
    bool foreground = false;
    for (const Value& r : refs->items()) {
        auto it = owners.find(r.string_at({"uid"}));
        if (it == owners.end()) {
            continue;
        }
        any_owner = true;
        ++it->second.dependents;
        foreground = foreground || (util::being_deleted(it->second.object) &&
                                    has_finalizer(it->second.object, kForeground));
    }
    if (util::being_deleted(dependent)) {
        return;
    }
    if (!any_owner) {
        delete_object(ctx, kind, dependent);
    } else if (foreground) {
        delete_object(ctx, kind, dependent, "Foreground");
    }
}

}  // namespace

void collect_garbage(SyncContext& ctx) {
    std::map<std::string, Owner> owners;  // by uid
    for (const Gvr& kind : kOwnerKinds) {
        for (Value& o : ctx.store.list(kind, "")) {
            std::string uid = o.string_at({"metadata", "uid"});
            owners.emplace(std::move(uid), Owner{kind, std::move(o)});
        }
    }
    for (const Gvr& kind : kDependentKinds) {
        for (const Value& d : ctx.store.list(kind, "")) {
            collect(ctx, kind, d, owners);
        }
    }
    for (const auto& [uid, owner] : owners) {
        if (owner.dependents == 0 && util::being_deleted(owner.object) &&
            has_finalizer(owner.object, kForeground)) {
            remove_finalizer(ctx, owner);
        }
    }
}

}  // namespace faas::test::kube
