#include "tests/support/kube/kubelet.hpp"

#include <exception>

#include "provider/backends/local/launcher.hpp"
#include "tests/support/kube/kubelet_impl.hpp"

namespace faas::test::kube {

namespace {

Value node_object(const KubeletOptions& o, util::Time now) {
    Value n = Value::object();
    n["apiVersion"] = "v1";
    n["kind"] = "Node";
    n["metadata"]["name"] = o.node_name;
    n["metadata"]["labels"]["kubernetes.io/hostname"] = o.node_name;
    n["metadata"]["labels"]["kubernetes.io/os"] = "linux";
    n["spec"] = Value::object();
    Value ready = Value::object();
    ready["type"] = "Ready";
    ready["status"] = "True";
    ready["lastHeartbeatTime"] = util::timestamp(now);
    ready["lastTransitionTime"] = util::timestamp(now);
    ready["reason"] = "KubeletReady";
    ready["message"] = "kubelet is posting ready status";
    n["status"]["conditions"] = Value::Array{std::move(ready)};
    Value ip = Value::object();
    ip["type"] = "InternalIP";
    ip["address"] = o.node_ip;
    Value host = Value::object();
    host["type"] = "Hostname";
    host["address"] = o.node_name;
    n["status"]["addresses"] = Value::Array{std::move(ip), std::move(host)};
    n["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] = 10250;
    return n;
}

LogQuery log_query(const LogRequest& r, util::Time now) {
    LogQuery q;
    q.follow = r.follow;
    q.timestamps = r.timestamps;
    q.tail_lines = r.tail_lines;
    q.limit_bytes = r.limit_bytes;
    if (r.since_seconds) {
        q.since = now - std::chrono::seconds(*r.since_seconds);
    }
    if (!r.since_time.empty()) {
        q.since = util::parse_timestamp(r.since_time);
    }
    return q;
}

}  // namespace

void Kubelet::Impl::register_node() {
    auto created = ctx->store.create(gvr::kNodes, node_object(options, ctx->store.now()));
    if (!created && created.error().code != 409) {
        ctx->log->error("kubelet cannot register node={} error=\"{}\"", options.node_name,
                        created.error().message);
    }
}

bool Kubelet::Impl::spawn(awaitable<void> task, const std::string& what) {
    return tasks->spawn(std::move(task), [log = ctx->log, what](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log->error("kubelet task failed task={} error=\"{}\"", what, ex.what());
        }
    });
}

void Kubelet::Impl::queue() {
    if (queued || !tasks || tasks->closed()) {
        return;
    }
    queued = true;
    tasks->spawn([this]() -> awaitable<void> {
        queued = false;
        sync();
        co_return;
    });
}

// Starts a worker for each new pod bound here, passes deletions on, and kills the containers
// of pods that vanished (a force delete).
void Kubelet::Impl::sync() {
    std::set<std::string> present;
    for (const Value& pod : ctx->store.list(gvr::kPods, "")) {
        if (pod.string_at({"spec", "nodeName"}) != options.node_name) {
            continue;
        }
        const std::string uid = pod.string_at({"metadata", "uid"});
        present.insert(uid);
        auto it = workers.find(uid);
        if (it == workers.end()) {
            auto w = std::make_shared<PodWorker>(ctx->io.get_executor(), pod);
            workers.emplace(uid, w);
            spawn(run_pod(w), "pod " + w->name());
            it = workers.find(uid);
        }
        const WorkerPtr& w = it->second;
        if (util::being_deleted(pod) && !w->deleting) {
            w->deleting = true;
            w->grace = pod.int_at({"metadata", "deletionGracePeriodSeconds"}, 30);
            w->wake.notify();
        }
    }
    for (auto& [uid, w] : workers) {
        if (!present.contains(uid) && !w->gone) {
            w->gone = true;
            w->wake.notify();
        }
    }
}

std::string Kubelet::Impl::allocate_ip() {
    int n = 2;
    while (ips_in_use.contains(n) && n < 254) {
        ++n;
    }
    ips_in_use.insert(n);
    return "127.0.1." + std::to_string(n);
}

void Kubelet::Impl::release_ip(const std::string& ip) {
    const auto dot = ip.rfind('.');
    if (dot != std::string::npos) {
        ips_in_use.erase(std::stoi(ip.substr(dot + 1)));
    }
}

Kubelet::Kubelet(KubeletOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
    impl_->runtime.bin_dir = impl_->options.bin_dir;
    impl_->runtime.pods_dir = impl_->options.pods_dir;
}

Kubelet::~Kubelet() = default;

void Kubelet::start(ControllerContext& ctx) {
    impl_->ctx = &ctx;
    impl_->tasks.emplace(ctx.io.get_executor());
    impl_->http.emplace(ctx.io.get_executor());
    const std::string launcher = (impl_->options.bin_dir / "faas-replica").string();
    impl_->runtime.mount_secrets = provider::local::probe_secret_mount(launcher);
    impl_->register_node();
    impl_->queue();
}

void Kubelet::on_event(const Event& event) {
    if (event.gvr == gvr::kPods) {
        impl_->queue();
    }
}

awaitable<void> Kubelet::stop() {
    if (!impl_->tasks) {
        co_return;
    }
    impl_->tasks->close();
    for (auto& [uid, w] : impl_->workers) {
        w->gone = true;
        w->wake.notify();
    }
    co_await impl_->tasks->wait();
    // I/O objects go with the server's io_context, which may die before the kubelet.
    impl_->workers.clear();
    impl_->http.reset();
    impl_->tasks.reset();
}

namespace {

// A coroutine of its own with its parameters by value: the provider's lambda may be gone before
// a long follow ends.
awaitable<void> serve_log(std::weak_ptr<Kubelet::Impl> weak, LogRequest request, LogWrite write) {
    const auto impl = weak.lock();
    if (!impl) {
        co_return;
    }
    std::shared_ptr<PodLog> log;
    for (const auto& [uid, w] : impl->workers) {
        if (w->ns() == request.ns && w->name() == request.pod) {
            log = w->log;
        }
    }
    if (log) {
        const LogQuery query = log_query(request, impl->ctx->store.now());
        co_await log->serve(query, std::move(write));
    }
}

}  // namespace

LogProvider Kubelet::log_provider() {
    std::weak_ptr<Impl> weak = impl_;
    return [weak](LogRequest request, LogWrite write) {
        return serve_log(weak, std::move(request), std::move(write));
    };
}

std::vector<pid_t> Kubelet::container_pids() const {
    std::vector<pid_t> out;
    for (const auto& [uid, w] : impl_->workers) {
        if (w->child && !w->exited) {
            out.push_back(w->child->pid());
        }
    }
    return out;
}

}  // namespace faas::test::kube
