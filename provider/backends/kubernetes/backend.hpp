#pragma once
// KubernetesBackend: the FunctionBackend of backend=kubernetes, speaking the Kubernetes REST API
// (ApiClient) with faas-netes's conventions (spec.hpp): a function is a Deployment plus a
// ClusterIP Service in its namespace, a secret an Opaque Secret labelled
// app.kubernetes.io/managed-by=faas, a namespace for functions one labelled openfaas=1.
// For every such namespace two list+watch loops (watch.cpp) keep the functions' Deployments and
// EndpointSlices; the ready addresses go on the EndpointBoard the gateway long-polls, so the
// gateway calls pods directly. Everything runs on the control thread except logs() (logs.cpp).
// The methods live in backend.cpp, functions.cpp, secrets.cpp, namespaces.cpp,
// watch.cpp and logs.cpp.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "provider/backends/kubernetes/api_client.hpp"
#include "provider/backends/kubernetes/parse.hpp"
#include "provider/config.hpp"
#include "provider/function_backend.hpp"

namespace faas::provider::kubernetes {

// The API client's target: the discovered API server (KubernetesConfig::api_server) with the
// per-call deadline.
ApiTarget api_target(const KubernetesConfig& c);

class KubernetesBackend final : public FunctionBackend {
public:
    KubernetesBackend(asio::io_context& control, Config config, log::Logger log,
                      metrics::Registry& registry, ApiTarget target);
    ~KubernetesBackend() override;

    // --- FunctionBackend: identity and lifecycle ---
    const char* provider_name() const noexcept override { return "faas-kubernetes"; }
    const char* orchestration() const noexcept override { return "kubernetes"; }
    // "<url> (<source>)": the listening line says which API server and how it was found.
    const std::string& state_location() const noexcept override { return location_; }
    const std::string& default_namespace() const noexcept override {
        return config_.kubernetes.function_namespace;
    }
    // Starts the watches of the default namespace and the namespace poll (they log, and keep
    // trying, while the API server cannot be reached).
    Status start() override;
    // Stops the loops; the functions keep running without the provider.
    awaitable<void> shutdown() override;

    // --- FunctionBackend: functions (Deployments and Services) ---
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

    // --- FunctionBackend: secrets (Secrets labelled managed-by=faas) ---
    awaitable<Status> create_secret(const openfaas::Secret& s) override;
    awaitable<Status> update_secret(const openfaas::Secret& s) override;
    awaitable<Status> delete_secret(const std::string& ns, const std::string& name) override;
    awaitable<Result<std::vector<openfaas::Secret>>> list_secrets(const std::string& ns) override;
    awaitable<Result<std::string>> webhook_secret(const std::string& ns,
                                                  const std::string& name) override;

    // --- FunctionBackend: namespaces (labelled openfaas=1, plus the default) ---
    awaitable<std::vector<std::string>> namespaces() override;
    awaitable<Result<openfaas::FunctionNamespace>> get_namespace(const std::string& ns) override;
    awaitable<Status> create_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> update_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> delete_namespace(const std::string& ns) override;

    // --- FunctionBackend: logs (pods/<pod>/log of every pod, on the handler's thread) ---
    awaitable<Status> logs(const LogRequest& r, LogSink& sink) override;

    struct Metrics;
    // What the watches of one namespace know.
    struct Watched {
        std::map<std::string, DeploymentInfo> deployments;  // functions, by name
        std::map<std::string, SliceInfo> slices;            // by slice name
        std::uint64_t id = 0;  // which start of the watches this is (a deleted ns ends them)
    };
    enum class Kind { Deployments, Slices };

private:
    // API paths.
    std::string deployments_path(const std::string& ns) const;
    std::string deployment_path(const std::string& ns, const std::string& name) const;
    // The namespace exists and is the default or labelled openfaas=1; else errc::bad_request.
    awaitable<Status> check_namespace(const std::string& ns);
    // The labelled namespace `ns`; errc::not_found when absent or not labelled.
    awaitable<Result<NamespaceInfo>> openfaas_namespace(const std::string& ns);
    // GET the Deployment of function `name`; errc::not_found unless it is a function.
    awaitable<Result<DeploymentInfo>> function(const std::string& ns, const std::string& name);
    awaitable<Status> ensure_service(const std::string& ns, const std::string& name);
    awaitable<Status> scale_deployment(const std::string& ns, const std::string& name,
                                       std::uint64_t replicas);
    openfaas::FunctionStatus to_status(const DeploymentInfo& info) const;

    // The namespaces labelled openfaas=1.
    awaitable<Result<std::vector<std::string>>> labelled_namespaces();
    // Starts the two watches of `ns` unless they run.
    void watch_namespace(const std::string& ns);
    awaitable<void> namespace_poll();
    // One list+watch loop: relists (with backoff) whenever the watch ends.
    awaitable<void> watch_loop(std::string ns, Kind kind, std::uint64_t id);
    // Lists: replaces what is known of `kind` in `ns`; the list's resourceVersion.
    awaitable<Result<std::string>> relist(const std::string& ns, Kind kind);
    // Watches from `rv` until the stream ends; errc::timeout for a 410 Expired.
    awaitable<Status> watch(const std::string& ns, Kind kind, std::string rv);
    // One line of a watch; false for an ERROR event (the watch must relist).
    bool on_event(const std::string& ns, Kind kind, std::string_view line, std::string& rv);
    bool still_watched(const std::string& ns, std::uint64_t id) const;
    // The endpoint list and gauges from what the watches know.
    void publish();
    std::vector<EndpointInfo> ready_endpoints(const Watched& w, const std::string& name) const;
    awaitable<void> pause(std::chrono::nanoseconds d);
    // Logs the first failure of an outage and the recovery, and counts failures.
    void note_api(const Status& st);

    asio::any_io_executor ex_;
    Config config_;
    log::Logger log_;
    std::unique_ptr<Metrics> metrics_;
    ApiTarget target_;
    std::string location_;
    ApiClient api_;
    EndpointBoard board_;
    std::map<std::string, Watched> watched_;  // by namespace
    std::uint64_t next_watch_id_ = 0;
    std::atomic<bool> stopping_{false};
    bool api_down_ = false;
    std::uint64_t rr_ = 0;
};

}  // namespace faas::provider::kubernetes
