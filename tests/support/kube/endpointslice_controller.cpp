// The EndpointSlice controller: one slice per Service with a selector (generateName
// `<service>-`, labels kubernetes.io/service-name and managed-by plus the Service's own, owned by
// the Service), listing every selected pod that has an IP, with the conditions of 53, 60 and 62:
// serving = the pod is Ready, terminating = it is being deleted, ready = serving and not
// terminating. `endpoints: null, ports: null` while no pod has an IP (51).
//
// The one deliberate difference from the real controller: the real API server rejects loopback
// addresses in EndpointSlices (57, 58: the controller's write fails and the slice stops changing).
// The stand-in's pods ARE on loopback addresses (127.0.1.N), so this controller lists them.
#include <map>
#include <string>
#include <vector>

#include "tests/support/kube/controllers.hpp"

namespace faas::test::kube {

namespace {

constexpr std::string_view kServiceName = "kubernetes.io/service-name";
constexpr std::string_view kManagedBy = "endpointslice.kubernetes.io/managed-by";
constexpr std::string_view kController = "endpointslice-controller.k8s.io";
constexpr std::string_view kTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time";

Value endpoint_of(const Value& pod) {
    const bool serving = util::pod_ready(pod);
    const bool terminating = util::being_deleted(pod);
    Value e = Value::object();
    e["addresses"] = Value::Array{Value(pod.string_at({"status", "podIP"}))};
    e["conditions"]["ready"] = serving && !terminating;
    e["conditions"]["serving"] = serving;
    e["conditions"]["terminating"] = terminating;
    Value& ref = e["targetRef"];
    ref["kind"] = "Pod";
    ref["namespace"] = pod.string_at({"metadata", "namespace"});
    ref["name"] = pod.string_at({"metadata", "name"});
    ref["uid"] = pod.string_at({"metadata", "uid"});
    if (const std::string node = pod.string_at({"spec", "nodeName"}); !node.empty()) {
        e["nodeName"] = node;
    }
    return e;
}

// The container port a Service's targetPort names (a number, or a container port's name).
const Value* resolve_port(const Value& port, const Value& pod) {
    const Value* target = port.find("targetPort");
    if (target == nullptr || target->is_null()) {
        return port.find("port");
    }
    if (target->is_int()) {
        return target;
    }
    if (const Value* containers = pod.at({"spec", "containers"})) {
        for (const Value& c : containers->items()) {
            // Not a ?: over items(): its copy of the array would die with the loop, and the
            // pointer returned into it with it.
            const Value* ports = c.at({"ports"});
            if (ports == nullptr) {
                continue;
            }
            for (const Value& p : ports->items()) {
                if (p.string_at({"name"}) == target->as_string()) {
                    return p.find("containerPort");
                }
            }
        }
    }
    return nullptr;
}

Value ports_of(const Value& svc, const std::vector<const Value*>& pods) {
    if (pods.empty()) {
        return nullptr;
    }
    Value out = Value::array();
    if (const Value* ports = svc.at({"spec", "ports"})) {
        for (const Value& p : ports->items()) {
            const Value* number = resolve_port(p, *pods.front());
            if (number == nullptr) {
                continue;
            }
            Value port = Value::object();
            port["name"] = p.string_at({"name"});
            port["protocol"] = p.contains("protocol") ? p.string_at({"protocol"}) : "TCP";
            port["port"] = number->as_int();
            out.push_back(std::move(port));
        }
    }
    return out;
}

// The slice's endpoints: those already listed keep their place, new pods are appended (as the
// real reconciler does), pods without an IP or finished are left out.
Value endpoints_of(const Value* old, const std::vector<const Value*>& pods) {
    std::map<std::string, Value> by_uid;
    for (const Value* p : pods) {
        by_uid.emplace(p->string_at({"metadata", "uid"}), endpoint_of(*p));
    }
    if (by_uid.empty()) {
        return nullptr;
    }
    Value out = Value::array();
    if (old != nullptr) {
        for (const Value& e : old->items()) {
            auto it = by_uid.find(e.string_at({"targetRef", "uid"}));
            if (it != by_uid.end()) {
                out.push_back(std::move(it->second));
                by_uid.erase(it);
            }
        }
    }
    for (const Value* p : pods) {
        auto it = by_uid.find(p->string_at({"metadata", "uid"}));
        if (it != by_uid.end()) {
            out.push_back(std::move(it->second));
            by_uid.erase(it);
        }
    }
    return out;
}

Value slice_labels(const Value& svc) {
    std::map<std::string, Value> sorted;  // Go writes map keys sorted
    if (const Value* l = svc.at({"metadata", "labels"})) {
        for (const auto& [k, v] : l->members()) {
            sorted[k] = v;
        }
    }
    sorted[std::string(kManagedBy)] = kController;
    sorted[std::string(kServiceName)] = svc.string_at({"metadata", "name"});
    Value out = Value::object();
    for (auto& [k, v] : sorted) {
        out[k] = std::move(v);
    }
    return out;
}

Value new_slice(const Value& svc) {
    Value s = Value::object();
    s["apiVersion"] = "discovery.k8s.io/v1";
    s["kind"] = "EndpointSlice";
    Value& meta = s["metadata"];
    meta["generateName"] = svc.string_at({"metadata", "name"}) + "-";
    meta["namespace"] = svc.string_at({"metadata", "namespace"});
    meta["labels"] = slice_labels(svc);
    meta["ownerReferences"] = Value::Array{util::controller_ref(svc)};
    s["addressType"] = "IPv4";
    s["endpoints"] = nullptr;
    s["ports"] = nullptr;
    return s;
}

void sync_service(SyncContext& ctx, const Value& svc) {
    const Value* selector = svc.at({"spec", "selector"});
    if (selector == nullptr || selector->empty()) {
        return;  // a Service without a selector has hand-made endpoints
    }
    const std::string ns = svc.string_at({"metadata", "namespace"});
    const LabelSelector match = LabelSelector::from_map(*selector);
    const std::vector<Value> pods = ctx.store.list(gvr::kPods, ns, match);
    std::vector<const Value*> listed;
    for (const Value& p : pods) {
        const std::string phase = p.string_at({"status", "phase"});
        if (!p.string_at({"status", "podIP"}).empty() && phase != "Succeeded" &&
            phase != "Failed") {
            listed.push_back(&p);
        }
    }
    std::vector<Value> slices;
    const std::string uid = svc.string_at({"metadata", "uid"});
    for (Value& s : ctx.store.list(gvr::kEndpointSlices, ns)) {
        if (util::controller_uid(s) == uid && !util::being_deleted(s)) {
            slices.push_back(std::move(s));
        }
    }
    for (std::size_t i = 1; i < slices.size(); ++i) {  // one slice per Service here
        delete_object(ctx, gvr::kEndpointSlices, slices[i]);
    }
    Value slice = slices.empty() ? new_slice(svc) : slices.front();
    const Value before = slice;
    slice["metadata"]["labels"] = slice_labels(svc);
    slice["endpoints"] = endpoints_of(slice.find("endpoints"), listed);
    slice["ports"] = ports_of(svc, listed);
    if (!slices.empty() && slice == before) {
        return;
    }
    slice["metadata"]["annotations"][kTriggerTime] = util::timestamp(ctx.now);
    if (slices.empty()) {
        if (auto created = ctx.store.create(gvr::kEndpointSlices, std::move(slice)); !created) {
            ctx.log->warn("create endpointslice failed svc={} error=\"{}\"",
                          svc.string_at({"metadata", "name"}), created.error().message);
        }
        return;
    }
    write_if_changed(ctx, gvr::kEndpointSlices, before, std::move(slice));
}

}  // namespace

void sync_endpoint_slices(SyncContext& ctx) {
    for (const Value& svc : ctx.store.list(gvr::kServices, "")) {
        if (!util::being_deleted(svc)) {
            sync_service(ctx, svc);
        }
    }
}

}  // namespace faas::test::kube
