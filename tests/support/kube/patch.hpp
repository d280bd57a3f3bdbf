#pragma once
// PATCH bodies: JSON merge patch (RFC 7386) and Kubernetes' strategic merge patch for the
// lists the back end and the manifests patch. Pure functions on Values.
#include <string>

#include "tests/support/kube/value.hpp"

namespace faas::test::kube {

// RFC 7386: objects merge recursively, null deletes a key, anything else (lists included)
// replaces.
Value merge_patch(Value target, const Value& patch);

// Strategic merge patch: as merge_patch, but lists of objects with a merge key (containers,
// initContainers, env, volumes, imagePullSecrets: "name"; volumeMounts: "mountPath"; container
// ports: "containerPort"; Service ports: "port"; ownerReferences: "uid"; conditions: "type")
// merge element by element on that key, `finalizers` merges as a set, and the directives
// `$patch: delete` (remove the element), `$patch: replace` (replace the list or object),
// `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>` and `$retainKeys` are
// honoured (the last two only as far as dropping them). Lists without a merge key replace.
Value strategic_merge_patch(Value target, const Value& patch);

}  // namespace faas::test::kube
