#pragma once
// LocalBackend: the FunctionBackend of backend=local. Keeps the deployed functions, their
// replicas (fwatchdog processes on this host), namespaces and secrets, reconciles each
// function's replicas with its desired count and version (rolling updates), publishes the
// endpoint list with a generation for the long poll, persists state through the Store, and
// keeps each function's output in a LogStore. Everything here runs on the control io_context
// (one thread); logs() hops there from the handler's thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/async/task_group.hpp"
#include "core/http/client.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"
#include "provider/backend_metrics.hpp"
#include "provider/backends/local/limits.hpp"
#include "provider/backends/local/log_store.hpp"
#include "provider/config.hpp"
#include "provider/endpoint_board.hpp"
#include "provider/function_backend.hpp"
#include "provider/store.hpp"

namespace faas::provider::local {

// Below this a replica's memory limit is unlikely to let fwatchdog start (deploy still
// succeeds: the certifier deploys 5Mi and checks only the metadata).
inline constexpr std::uint64_t kWatchdogMinMemory = 16U << 20U;

class LocalBackend final : public FunctionBackend {
public:
    LocalBackend(asio::io_context& control, const Config& config, log::Logger log,
                 metrics::Registry& registry);
    ~LocalBackend() override;
    LocalBackend(const LocalBackend&) = delete;
    LocalBackend& operator=(const LocalBackend&) = delete;

    // --- FunctionBackend: identity and lifecycle ---
    const char* provider_name() const noexcept override { return "faas-local"; }
    const char* orchestration() const noexcept override { return "local"; }
    const std::string& state_location() const noexcept override { return config_.state_dir; }
    const std::string& default_namespace() const noexcept override {
        return config_.default_namespace;
    }
    // Creates the state directory, loads what a previous run left and starts its replicas.
    Status start() override;
    // Stops every replica (SIGTERM, bounded, then SIGKILL) and wakes every waiter.
    awaitable<void> shutdown() override;

    // --- FunctionBackend: functions ---
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

    // --- FunctionBackend: secrets (files in the Store) ---
    awaitable<Status> create_secret(const openfaas::Secret& s) override;
    awaitable<Status> update_secret(const openfaas::Secret& s) override;
    awaitable<Status> delete_secret(const std::string& ns, const std::string& name) override;
    awaitable<Result<std::vector<openfaas::Secret>>> list_secrets(const std::string& ns) override;
    awaitable<Result<std::string>> webhook_secret(const std::string& ns,
                                                  const std::string& name) override;

    // --- FunctionBackend: namespaces ---
    awaitable<std::vector<std::string>> namespaces() override;
    awaitable<Result<openfaas::FunctionNamespace>> get_namespace(const std::string& ns) override;
    awaitable<Status> create_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> update_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> delete_namespace(const std::string& ns) override;

    // --- FunctionBackend: logs (from the LogStore; hops to the control thread) ---
    awaitable<Status> logs(const LogRequest& r, LogSink& sink) override;

    struct Replica;
    struct Function;

private:
    using FunctionPtr = std::shared_ptr<Function>;
    using ReplicaPtr = std::shared_ptr<Replica>;

    struct LogBatch;

    // What only this back end can check of a deployment (validate_deployment ran before): its
    // namespace exists here, and so do the secrets it names.
    Status check_deployment(const openfaas::FunctionDeployment& d) const;
    Function* find(const std::string& ns, const std::string& name) const;
    bool namespace_known(const std::string& ns) const;
    openfaas::FunctionStatus status_of(const Function& fn) const;
    FunctionPtr add_function(StoredFunction stored);
    void persist(const Function& fn);
    void warn_small_limit(const Function& fn) const;
    // Brings the function's replicas in line with its desired count and version.
    void reconcile(const FunctionPtr& fn);
    void start_replica(const FunctionPtr& fn);
    void stop_replica(const FunctionPtr& fn, const ReplicaPtr& r, const char* why);
    std::vector<EndpointInfo> ready_endpoints(const Function& fn) const;
    // Recomputes the endpoint list; bumps the generation and wakes waiters when it changed.
    void publish();

    // The replica's life: start its process, serve, restart it with back-off when it exits,
    // until a stop is requested (replica.cpp).
    awaitable<void> supervise(FunctionPtr fn, ReplicaPtr r);
    // One run of the replica's process, from spawn to exit; false when a stop ended it.
    awaitable<bool> run_once(FunctionPtr fn, ReplicaPtr r,
                             std::chrono::steady_clock::time_point started);
    // The pipe readers and the exit watcher; false when the exit watcher could not start
    // (shutting down).
    bool start_watchers(const FunctionPtr& fn, const ReplicaPtr& r);
    // Health checks while the process runs; returns when it exits or a stop is requested.
    awaitable<void> check_health(FunctionPtr fn, ReplicaPtr r);
    // Ends the pipe readers of a process that exited but whose pipes stay open (a grandchild
    // holds them).
    void close_pipes(Replica& r);
    // An unexpected exit: logged with the stderr tail, counted, and the replica restarts.
    void report_exit(const Function& fn, Replica& r);
    Status spawn(const Function& fn, Replica& r);
    awaitable<void> read_output(ReplicaPtr r, FunctionPtr fn, bool is_stderr);
    awaitable<void> watch_exit(ReplicaPtr r);
    awaitable<bool> wait_ready(ReplicaPtr r);
    awaitable<bool> health_ok(const Replica& r, std::chrono::nanoseconds timeout);
    awaitable<void> sleep_or_wake(Replica& r, std::chrono::nanoseconds d);
    awaitable<void> stop_sequence(FunctionPtr fn, ReplicaPtr r);
    std::vector<std::string> replica_env(const Function& fn, const Replica& r) const;
    Status prepare_replica_dir(const Function& fn, Replica& r) const;

    // Log history and the stream cursor, then the lines after the cursor (backend_logs.cpp).
    awaitable<LogBatch> log_history(LogRequest r);
    awaitable<LogBatch> log_wait(std::string key, std::uint64_t cursor, std::string instance);

    asio::io_context& control_;
    asio::any_io_executor ex_;
    Config config_;
    log::Logger log_;
    std::unique_ptr<BackendMetrics> metrics_;
    Store store_;
    LogStore logs_;
    Limiter limiter_;
    async::TaskGroup tasks_;
    http::ClientPool client_;
    std::map<std::string, FunctionPtr> functions_;  // key "<ns>/<name>"
    std::map<std::string, openfaas::FunctionNamespace> namespaces_;
    std::vector<std::string> base_env_;
    bool mount_secrets_ = false;
    EndpointBoard board_;
    bool shutting_down_ = false;
    std::uint64_t rr_ = 0;
};

}  // namespace faas::provider::local
