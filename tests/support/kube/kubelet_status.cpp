// The pod status the stand-in's kubelet writes, in the shape of 52 and 90: phase, hostIP and
// podIP (with their lists), startTime, the Initialized/ContainersReady/Ready conditions and one
// containerStatus per container instance (running, waiting with a reason, terminated).
#include <string>

#include "tests/support/kube/kubelet_impl.hpp"

namespace faas::test::kube {

namespace {

const Value& container(const WorkerPtr& w) {
    return w->pod.at({"spec", "containers"})->items().front();
}

Value ip_list(const std::string& ip) {
    Value entry = Value::object();
    entry["ip"] = ip;
    return Value::Array{std::move(entry)};
}

Value terminated(const WorkerPtr& w) {
    Value t = Value::object();
    const int code = w->exit.signal != 0 ? 128 + w->exit.signal : w->exit.code;
    t["exitCode"] = code;
    t["reason"] = code == 0 ? "Completed" : "Error";
    t["startedAt"] = util::timestamp(w->started_at);
    t["finishedAt"] = util::timestamp(w->finished_at);
    return t;
}

// One containerStatuses entry; `state` is {running|waiting|terminated: {...}}.
Value container_status(const WorkerPtr& w, Value state, Value last_state) {
    const Value& c = container(w);
    Value s = Value::object();
    s["name"] = c.string_at({"name"});
    s["state"] = std::move(state);
    s["lastState"] = std::move(last_state);
    s["ready"] = w->ready && !w->exited;
    s["restartCount"] = w->restarts;
    s["image"] = c.string_at({"image"});
    s["imageID"] = "";
    if (w->child) {
        s["containerID"] = "standin://" + std::to_string(w->child->pid());
    }
    s["started"] = state.contains("running");
    return s;
}

// Ready and ContainersReady follow the container; false ones say why, as the kubelet does.
void set_readiness(Value& pod, const WorkerPtr& w, util::Time now) {
    const bool ready = w->ready && !w->exited;
    for (const char* type : {"ContainersReady", "Ready"}) {
        util::set_pod_condition(pod, type, ready, now);
        for (Value& c : pod["status"]["conditions"].items()) {
            if (c.string_at({"type"}) != type) {
                continue;
            }
            if (ready) {
                c.erase("reason");
                c.erase("message");
            } else {
                c["reason"] = "ContainersNotReady";
                c["message"] =
                    "containers with unready status: [" + container(w).string_at({"name"}) + "]";
            }
        }
    }
}

Value running_state(const WorkerPtr& w) {
    Value state = Value::object();
    state["running"]["startedAt"] = util::timestamp(w->started_at);
    return state;
}

Value last_state(const WorkerPtr& w) {
    Value last = Value::object();
    if (!w->last_terminated.is_null()) {
        last["terminated"] = w->last_terminated;
    }
    return last;
}

}  // namespace

// Rewrites the stored pod (this very pod: same uid) with `edit`, when that changes anything.
template <class Edit>
void rewrite(ControllerContext& ctx, const WorkerPtr& w, Edit edit) {
    const Value* stored = ctx.store.get(gvr::kPods, w->ns(), w->name());
    if (stored == nullptr || stored->string_at({"metadata", "uid"}) != w->uid()) {
        return;
    }
    Value next = *stored;
    edit(next);
    if (next == *stored) {
        return;
    }
    if (auto r = ctx.store.update(gvr::kPods, std::move(next)); !r) {
        ctx.log->warn("kubelet status write failed pod={} error=\"{}\"", w->name(),
                      r.error().message);
    }
}

void Kubelet::Impl::status_waiting(const WorkerPtr& w,
                                   std::string_view reason,
                                   std::string_view message) {
    const util::Time now = ctx->store.now();
    rewrite(*ctx, w, [&](Value& pod) {
        util::set_pod_condition(pod, "Initialized", true, now);
        set_readiness(pod, w, now);
        Value state = Value::object();
        state["waiting"]["reason"] = reason;
        state["waiting"]["message"] = message;
        pod["status"]["containerStatuses"] =
            Value::Array{container_status(w, std::move(state), last_state(w))};
    });
}

void Kubelet::Impl::status_running(const WorkerPtr& w) {
    const util::Time now = ctx->store.now();
    rewrite(*ctx, w, [&](Value& pod) {
        Value& s = pod["status"];
        s["phase"] = "Running";
        util::set_pod_condition(pod, "Initialized", true, now);
        set_readiness(pod, w, now);
        s["hostIP"] = options.node_ip;
        s["hostIPs"] = ip_list(options.node_ip);
        s["podIP"] = w->ip;
        s["podIPs"] = ip_list(w->ip);
        if (!s.contains("startTime")) {
            s["startTime"] = util::timestamp(w->started_at);
        }
        s["containerStatuses"] = Value::Array{container_status(w, running_state(w), last_state(w))};
    });
}

void Kubelet::Impl::status_ready(const WorkerPtr& w) {
    const util::Time now = ctx->store.now();
    rewrite(*ctx, w, [&](Value& pod) {
        set_readiness(pod, w, now);
        pod["status"]["containerStatuses"] =
            Value::Array{container_status(w, running_state(w), last_state(w))};
    });
}

void Kubelet::Impl::status_crashed(const WorkerPtr& w, std::chrono::nanoseconds backoff) {
    const util::Time now = ctx->store.now();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(backoff).count();
    w->last_terminated = terminated(w);
    rewrite(*ctx, w, [&](Value& pod) {
        set_readiness(pod, w, now);
        Value state = Value::object();
        state["waiting"]["reason"] = "CrashLoopBackOff";
        state["waiting"]["message"] =
            "back-off " + std::to_string(secs) +
            "s restarting failed container=" + container(w).string_at({"name"}) +
            " pod=" + w->name() + "_" + w->ns() + "(" + w->uid() + ")";
        pod["status"]["containerStatuses"] =
            Value::Array{container_status(w, std::move(state), last_state(w))};
    });
}

// A deleted pod's containers have all stopped: the kubelet gives it a terminal phase before
// it removes it (Succeeded when every container exited 0).
void Kubelet::Impl::status_terminal(const WorkerPtr& w) {
    const util::Time now = ctx->store.now();
    rewrite(*ctx, w, [&](Value& pod) {
        pod["status"]["phase"] = w->child && w->exit.code == 0 ? "Succeeded" : "Failed";
        set_readiness(pod, w, now);
        if (!w->child) {
            return;
        }
        Value state = Value::object();
        state["terminated"] = terminated(w);
        Value last = Value::object();
        pod["status"]["containerStatuses"] =
            Value::Array{container_status(w, std::move(state), std::move(last))};
    });
}

}  // namespace faas::test::kube
