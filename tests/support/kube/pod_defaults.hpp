#pragma once
// What the real API server adds to a pod a ReplicaSet creates (defaulting plus the
// ServiceAccount, DefaultTolerationSeconds and Priority admission plugins), as 52 and 90 show:
// serviceAccountName, the not-ready/unreachable NoExecute tolerations, priority, requests from
// limits, status.phase Pending and the QoS class. The stand-in mounts no service account token,
// so no kube-api-access volume is added.
#include "tests/support/kube/value.hpp"

namespace faas::test::kube {

void apply_pod_defaults(Value& pod);

}  // namespace faas::test::kube
