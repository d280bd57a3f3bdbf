#include "tests/support/kube/pod_defaults.hpp"

#include <string>

namespace faas::test::kube {

namespace {

Value toleration(std::string_view key) {
    Value t = Value::object();
    t["key"] = key;
    t["operator"] = "Exists";
    t["effect"] = "NoExecute";
    t["tolerationSeconds"] = 300;
    return t;
}

// Requests default to the limits; the class follows from both (Guaranteed: every container
// has cpu and memory limits equal to its requests; BestEffort: none has any).
std::string default_resources(Value& spec) {
    bool any = false;
    bool guaranteed = true;
    for (Value& c : spec["containers"].items()) {
        Value& res = c["resources"];
        if (const Value* limits = res.find("limits")) {
            for (const auto& [k, v] : limits->members()) {
                if (!res["requests"].contains(k)) {
                    res["requests"][k] = v;
                }
            }
        }
        any = any || !res.empty();
        for (const char* r : {"cpu", "memory"}) {
            const Value* l = res.at({"limits", r});
            const Value* q = res.at({"requests", r});
            guaranteed = guaranteed && l != nullptr && q != nullptr && *l == *q;
        }
    }
    if (!any) {
        return "BestEffort";
    }
    return guaranteed ? "Guaranteed" : "Burstable";
}

}  // namespace

void apply_pod_defaults(Value& pod) {
    Value& spec = pod["spec"];
    if (!spec.contains("serviceAccountName")) {
        spec["serviceAccountName"] = "default";
    }
    spec["serviceAccount"] = spec.string_at({"serviceAccountName"});
    if (!spec.contains("tolerations")) {
        spec["tolerations"] = Value::Array{toleration("node.kubernetes.io/not-ready"),
                                           toleration("node.kubernetes.io/unreachable")};
    }
    if (!spec.contains("priority")) {
        spec["priority"] = 0;
    }
    if (!spec.contains("enableServiceLinks")) {
        spec["enableServiceLinks"] = true;
    }
    if (!spec.contains("preemptionPolicy")) {
        spec["preemptionPolicy"] = "PreemptLowerPriority";
    }
    const std::string qos = default_resources(spec);
    pod["status"]["phase"] = "Pending";
    pod["status"]["qosClass"] = qos;
}

}  // namespace faas::test::kube
