#pragma once
// The resource types the stand-in serves: what discovery lists, what the store needs to know
// (kind, scope, whether metadata.generation is kept) and how DELETE answers. A constant table,
// read from any thread.
#include <span>
#include <string_view>

#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

struct ResourceInfo {
    Gvr gvr;
    std::string_view kind;
    std::string_view singular;
    bool namespaced = true;
    // Deployments, ReplicaSets, StatefulSets and EndpointSlices keep metadata.generation
    // (bumped on spec changes; an EndpointSlice's "spec" is addressType/endpoints/ports).
    bool has_generation = false;
    // DELETE answers the object (Service, Pod, Namespace), not a Status{Success}.
    bool delete_returns_object = false;
    // Subresources served: "status", "scale".
    bool has_status = false;
    bool has_scale = false;
    std::string_view short_name;  // "" when none
};

// Every served resource, core group first.
std::span<const ResourceInfo> resources();
// The entry of `gvr` (a programming error when it is not served).
const ResourceInfo& resource_info(const Gvr& gvr);
// The resource `name` of `group`/`version`, or null (unknown path: 404).
const ResourceInfo* find_resource(std::string_view group,
                                  std::string_view version,
                                  std::string_view name);

}  // namespace faas::test::kube
