// The Swarm back end's watch loop: reads the function services and their running tasks,
// probes new tasks, and publishes the ready ones on the endpoint list.
#include <algorithm>

#include "provider/backends/swarm/swarm_backend.hpp"
#include "provider/backends/swarm/swarm_backend_impl.hpp"
#include "provider/deployment.hpp"

namespace faas::provider::swarm {

using namespace std::chrono_literals;

namespace {

constexpr auto kProbeTimeout = 1s;

}  // namespace

awaitable<void> SwarmBackend::watch_loop() {
    while (!stopping_) {
        co_await refresh();
        if (stopping_) {
            break;
        }
        const bool fast = std::chrono::steady_clock::now() < fast_until_;
        wake_.reset();
        (void)co_await wake_.wait_for(fast ? config_.swarm.fast_poll : config_.swarm.poll);
    }
    loop_running_ = false;
    stopped_.notify();
}

awaitable<void> SwarmBackend::refresh() {
    const Status st = co_await read_swarm();
    if (!st) {
        if (!dockerd_down_) {
            dockerd_down_ = true;
            log_->warn("swarm refresh failed error=\"{}\"", st.error().what());
        }
        co_return;
    }
    if (dockerd_down_) {
        dockerd_down_ = false;
        log_->info("dockerd reachable again");
    }
}

awaitable<Status> SwarmBackend::read_swarm() {
    auto services = co_await function_services();
    if (!services) {
        co_return services.error();
    }
    const std::string target = "/tasks?" + filters(R"({"desired-state":["running"]})");
    auto body = co_await docker_get(target, "listing tasks");
    if (!body) {
        co_return body.error();
    }
    auto tasks = swarm::parse_tasks(*body, config_.swarm.function_network);
    if (!tasks) {
        co_return tasks.error();
    }
    publish(*services, *tasks);
    co_return Status{};
}

void SwarmBackend::publish(const std::vector<swarm::ServiceInfo>& services,
                           const std::vector<swarm::TaskInfo>& tasks) {
    std::map<std::string, std::vector<const swarm::TaskInfo*>> by_service;
    std::set<std::string> live;
    for (const auto& t : tasks) {
        by_service[t.service_id].push_back(&t);
        live.insert(t.id);
    }
    std::erase_if(healthy_, [&live](const std::string& id) { return !live.contains(id); });
    std::map<std::string, Seen> seen;
    std::map<std::string, std::pair<std::uint64_t, std::size_t>> counts;
    std::vector<FunctionView> views;
    bool waiting = false;
    for (const auto& s : services) {
        FunctionView v;
        v.name = s.name;
        v.namespace_ = config_.default_namespace;
        v.replicas = s.replicas;
        v.min_replicas = scale_min(s.deployment);
        v.annotations = s.deployment.annotations.value_or(openfaas::StringMap{});
        v.endpoints = ready_endpoints(by_service[s.id]);
        waiting = waiting || v.endpoints.size() != v.replicas;
        counts[s.name + "." + config_.default_namespace] = {v.replicas, v.endpoints.size()};
        seen[s.name] = Seen{s.id, v.endpoints};
        views.push_back(std::move(v));
    }
    std::sort(views.begin(), views.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    seen_ = std::move(seen);
    metrics_->functions.report(counts);
    if (board_.set(std::move(views))) {
        log_->debug("endpoint list generation={}", board_.generation());
    }
    // A function that falls short of its replicas gets fast polling for one window: bounded, so
    // a crash-looping function does not keep the loop hot.
    if (waiting && !was_waiting_) {
        fast_until_ = std::chrono::steady_clock::now() + kFastWindow;
    }
    was_waiting_ = waiting;
}

std::vector<EndpointInfo> SwarmBackend::ready_endpoints(
    const std::vector<const swarm::TaskInfo*>& tasks) {
    std::vector<EndpointInfo> ready;
    for (const swarm::TaskInfo* t : tasks) {
        if (t->state != "running" || t->address.empty()) {
            continue;
        }
        if (config_.swarm.probe && !healthy_.contains(t->id)) {
            if (probing_.insert(t->id).second) {
                asio::co_spawn(ex_, probe(t->id, t->address), asio::detached);
            }
            continue;
        }
        ready.push_back(EndpointInfo{t->id, t->address, kFunctionPort});
    }
    std::sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return ready;
}

awaitable<void> SwarmBackend::probe(std::string task_id, std::string address) {
    http::Endpoint ep{address, kFunctionPort, {}};
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    bool ok = false;
    while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
        http::Request req;
        req.target = "/_/health";
        http::CallOptions opts;
        opts.timeout = kProbeTimeout;
        auto r = co_await probe_pool_.request(ep, std::move(req), opts);
        if (r && r->status == 200) {
            ok = true;
            break;
        }
        asio::steady_timer t(ex_);
        t.expires_after(config_.swarm.fast_poll);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    probing_.erase(task_id);
    if (ok) {
        log_->debug("task ready task={} address={}", task_id, address);
        healthy_.insert(task_id);
        wake_.notify();
    } else if (!stopping_) {
        log_->warn("task not ready after 60s task={} address={} (is the provider on network {}?)",
                   task_id, address, config_.swarm.function_network);
    }
}

}  // namespace faas::provider::swarm
