#pragma once
// SwarmBackend: the FunctionBackend of backend=swarm. Functions are Docker Swarm services on the
// attachable functions network, created and read through the Engine API (v1.41) on
// docker_socket with core's ClientPool; the mapping is swarm_spec.hpp. A watch loop
// reads services and tasks (every swarm_poll_interval, every swarm_fast_poll_interval while a
// function waits for replicas), probes each new running task's /_/health on its address on the
// functions network, and publishes the ready ones on the EndpointBoard the gateway long-polls.
// Secrets are Docker secrets (immutable: an update creates a new one and swaps the services that
// mount it); the provider keeps a 0600 copy of each value it was given in state_dir, which is
// what the gateway's webhook verification reads. Only the default namespace exists on Swarm.
// Everything runs on the control thread except logs(). The methods live in swarm_backend.cpp
// (the Engine API), swarm_functions.cpp, swarm_secrets.cpp, swarm_watch.cpp and swarm_logs.cpp.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/http/client.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "provider/backends/swarm/swarm_spec.hpp"
#include "provider/config.hpp"
#include "provider/function_backend.hpp"
#include "provider/store.hpp"

namespace faas::provider::swarm {

class SwarmBackend final : public FunctionBackend {
public:
    SwarmBackend(asio::io_context& control, const Config& config, log::Logger log,
                 metrics::Registry& registry);
    ~SwarmBackend() override;

    // --- FunctionBackend: identity and lifecycle ---
    const char* provider_name() const noexcept override { return "faas-swarm"; }
    const char* orchestration() const noexcept override { return "swarm"; }
    const std::string& state_location() const noexcept override {
        return config_.swarm.docker_socket;
    }
    const std::string& default_namespace() const noexcept override {
        return config_.default_namespace;
    }
    // Creates the state directory and starts the watch loop (which logs, and keeps trying,
    // while dockerd cannot be reached).
    Status start() override;
    // Stops the watch loop; the services keep running without the provider.
    awaitable<void> shutdown() override;

    // --- FunctionBackend: functions (Swarm services) ---
    awaitable<Status> deploy(const openfaas::FunctionDeployment& d) override;
    awaitable<Status> update(const openfaas::FunctionDeployment& d) override;
    awaitable<Status> remove(const std::string& ns, const std::string& name) override;
    awaitable<Status> scale(const std::string& ns, const std::string& name,
                            std::uint64_t replicas) override;
    awaitable<Result<std::vector<openfaas::FunctionStatus>>> list(const std::string& ns) override;
    awaitable<Result<openfaas::FunctionStatus>> status(const std::string& ns,
                                                       const std::string& name) override;
    std::optional<http::Endpoint> pick(const std::string& ns, const std::string& name) override;
    EndpointBoard& board() noexcept override { return board_; }

    // --- FunctionBackend: secrets (Docker secrets) ---
    awaitable<Status> create_secret(const openfaas::Secret& s) override;
    awaitable<Status> update_secret(const openfaas::Secret& s) override;
    awaitable<Status> delete_secret(const std::string& ns, const std::string& name) override;
    awaitable<Result<std::vector<openfaas::Secret>>> list_secrets(const std::string& ns) override;
    awaitable<Result<std::string>> webhook_secret(const std::string& ns,
                                                  const std::string& name) override;

    // --- FunctionBackend: namespaces (only the default one) ---
    awaitable<std::vector<std::string>> namespaces() override;
    awaitable<Result<openfaas::FunctionNamespace>> get_namespace(const std::string& ns) override;
    awaitable<Status> create_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> update_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> delete_namespace(const std::string& ns) override;

    // --- FunctionBackend: logs (GET /services/{id}/logs, read on the handler's thread) ---
    awaitable<Status> logs(const LogRequest& r, LogSink& sink) override;

    struct Metrics;

private:
    // What the watch loop last saw of a function: its service and its ready tasks.
    struct Seen {
        std::string service_id;
        std::vector<EndpointInfo> ready;
    };

    // One Engine API call on `pool` (the control thread's, but for logs()).
    // Transport failures are errc::unavailable naming the socket; HTTP errors are left to the
    // caller (see docker_error).
    awaitable<Result<http::Response>> docker(http::ClientPool& pool, const std::string& method,
                                    const std::string& target, const std::string& body);
    // A GET that must answer 200: its body, else the transport error or docker_error(what).
    awaitable<Result<std::string>> docker_get(const std::string& target, const std::string& what);
    // An error answer of dockerd as a provider error: 400/404/409 keep their meaning, others 502.
    Error docker_error(const http::Response& r, const std::string& what) const;
    Status check_namespace(const std::string& ns) const;
    // GET /services/<name>; errc::not_found unless it is a function service.
    awaitable<Result<swarm::ServiceInfo>> function_service(const std::string& name);
    // The same, errc::not_found for any namespace but the default.
    awaitable<Result<swarm::ServiceInfo>> function_in(const std::string& ns,
                                                      const std::string& name);
    awaitable<Result<std::vector<swarm::ServiceInfo>>> function_services();
    // The Docker secrets carrying `label` ("key" or "key=value").
    awaitable<Result<std::vector<swarm::DockerSecret>>> docker_secrets(const std::string& label);
    // The newest Docker secret of each OpenFaaS secret name in `ns`.
    awaitable<Result<std::map<std::string, swarm::DockerSecret>>> secrets_by_name(
        const std::string& ns);
    awaitable<Status> update_service(const swarm::ServiceInfo& s, const std::string& spec);
    awaitable<Status> create_service(const openfaas::FunctionDeployment& d,
                                     const std::string& spec);
    // What a service spec is built with: the network, a fresh uid, the probe setting.
    swarm::SpecOptions spec_options(std::uint64_t replicas) const;
    awaitable<Status> apply(const openfaas::FunctionDeployment& d, bool create);
    // The service to scale: the queue-worker's (by its Swarm name) or a function's.
    awaitable<Result<swarm::ServiceInfo>> scale_target(const std::string& ns,
                                                       const std::string& name);
    // POST /secrets/create for the value of `s` named `docker_name`, then the provider's copy.
    awaitable<Status> create_docker_secret(const openfaas::Secret& s,
                                           const std::string& docker_name);
    // Points every function that mounts secret `name` at its newest Docker secret; how many.
    awaitable<Result<std::size_t>> swap_secret(const std::string& ns, const std::string& name);
    // GET /services/<name> on `pool`: the service's id, errc::not_found unless it is a function.
    awaitable<Result<std::string>> log_service_id(http::ClientPool& pool, const std::string& name);
    // GET /services/{id}/logs for `r`.
    std::string logs_target(const std::string& service_id, const LogRequest& r) const;
    openfaas::FunctionStatus to_status(const swarm::ServiceInfo& s) const;

    awaitable<void> watch_loop();
    // One watch-loop pass; logs once per dockerd outage.
    awaitable<void> refresh();
    // Reads the function services and the running tasks, then publish().
    awaitable<Status> read_swarm();
    // The endpoint list, seen_, the gauges and the fast-poll window from what was read.
    void publish(const std::vector<swarm::ServiceInfo>& services,
                 const std::vector<swarm::TaskInfo>& tasks);
    // The running tasks that answered their probe (probes the others, once at a time each).
    std::vector<EndpointInfo> ready_endpoints(const std::vector<const swarm::TaskInfo*>& tasks);
    awaitable<void> probe(std::string task_id, std::string address);
    // Polls fast for a while: something was deployed, scaled or changed.
    void kick();
    std::string uid() const;

    asio::io_context& control_;
    asio::any_io_executor ex_;
    Config config_;
    log::Logger log_;
    std::unique_ptr<Metrics> metrics_;
    Store store_;
    http::Endpoint dockerd_;
    http::ClientPool pool_;
    http::ClientPool probe_pool_;
    EndpointBoard board_;
    async::AsyncEvent wake_;
    async::AsyncEvent stopped_;
    std::map<std::string, Seen> seen_;  // by function name
    std::set<std::string> healthy_;     // task ids whose /_/health answered
    std::set<std::string> probing_;
    std::chrono::steady_clock::time_point fast_until_{};
    bool dockerd_down_ = false;
    bool was_waiting_ = false;
    std::atomic<bool> stopping_{false};
    bool loop_running_ = false;
    std::uint64_t rr_ = 0;
};

}  // namespace faas::provider::swarm
