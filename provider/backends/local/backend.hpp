#pragma once
// Backend: the local back end. Keeps the deployed functions, their replicas (fwatchdog
// processes), namespaces and secrets, reconciles each function's replicas with its desired
// count and version (rolling updates), publishes the endpoint list with a generation for the
// long poll, and persists state through the Store. Everything here runs on the control
// io_context (one thread); other threads hop there with co_spawn.
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/async/task_group.hpp"
#include "core/http/client.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "core/openfaas/types.hpp"
#include "core/process/child.hpp"
#include "core/result.hpp"
#include "provider/config.hpp"
#include "provider/endpoint_board.hpp"
#include "provider/backends/local/launcher.hpp"
#include "provider/backends/local/limits.hpp"
#include "provider/backends/local/log_store.hpp"
#include "provider/store.hpp"

namespace faas::provider {

struct BackendMetrics;

// Below this a replica's memory limit is unlikely to let fwatchdog start (deploy still
// succeeds: the certifier deploys 5Mi and checks only the metadata).
inline constexpr std::uint64_t kWatchdogMinMemory = 16U << 20U;

class Backend {
public:
    Backend(asio::io_context& control, const Config& config, log::Logger log,
            metrics::Registry& registry);
    ~Backend();
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;

    // Creates the state directory, loads what a previous run left and starts its replicas.
    Status start();
    // Stops every replica (SIGTERM, bounded, then SIGKILL) and wakes every waiter.
    awaitable<void> shutdown();
    bool shutting_down() const noexcept { return shutting_down_; }

    // --- functions (errors carry the HTTP status via errc) ---
    Status deploy(openfaas::FunctionDeployment d);
    Status update(openfaas::FunctionDeployment d);
    Status remove(const std::string& ns, const std::string& name);
    Status scale(const std::string& ns, const std::string& name, std::uint64_t replicas);
    Result<std::vector<openfaas::FunctionStatus>> list(const std::string& ns) const;
    Result<openfaas::FunctionStatus> status(const std::string& ns, const std::string& name) const;
    bool exists(const std::string& ns, const std::string& name) const;
    // A ready replica of the function (round robin), if any.
    std::optional<http::Endpoint> pick(const std::string& ns, const std::string& name);

    // --- endpoint list ---
    EndpointBoard& board() noexcept { return board_; }

    // --- secrets ---
    Status create_secret(const openfaas::Secret& s);
    Status update_secret(const openfaas::Secret& s);
    Status delete_secret(const std::string& ns, const std::string& name);
    Result<std::vector<openfaas::Secret>> list_secrets(const std::string& ns) const;
    // The bytes of the secret a function names in its com.faas.webhook.secret annotation (for
    // the gateway's webhook verification). errc::not_found when the function, the annotation or
    // the secret is missing.
    Result<std::string> webhook_secret(const std::string& ns, const std::string& name) const;

    // --- namespaces ---
    std::vector<std::string> namespaces() const;
    bool namespace_known(const std::string& ns) const;
    Result<openfaas::FunctionNamespace> get_namespace(const std::string& ns) const;
    Status create_namespace(const openfaas::FunctionNamespace& ns);
    Status update_namespace(const openfaas::FunctionNamespace& ns);
    Status delete_namespace(const std::string& ns);

    LogStore& logs() noexcept { return logs_; }
    const Config& config() const noexcept { return config_; }
    const std::string& default_namespace() const noexcept { return config_.default_namespace; }
    const Limiter& limiter() const noexcept { return limiter_; }

    struct Replica;
    struct Function;

private:
    using FunctionPtr = std::shared_ptr<Function>;
    using ReplicaPtr = std::shared_ptr<Replica>;

    Status validate(openfaas::FunctionDeployment& d) const;
    Function* find(const std::string& ns, const std::string& name) const;
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

    awaitable<void> supervise(FunctionPtr fn, ReplicaPtr r);
    Status spawn(const Function& fn, Replica& r);
    awaitable<void> read_output(ReplicaPtr r, FunctionPtr fn, bool is_stderr);
    awaitable<void> watch_exit(ReplicaPtr r);
    awaitable<bool> wait_ready(ReplicaPtr r);
    awaitable<bool> health_ok(const Replica& r, std::chrono::nanoseconds timeout);
    awaitable<void> sleep_or_wake(Replica& r, std::chrono::nanoseconds d);
    awaitable<void> stop_sequence(FunctionPtr fn, ReplicaPtr r);
    std::vector<std::string> replica_env(const Function& fn, const Replica& r) const;
    Status prepare_replica_dir(const Function& fn, Replica& r) const;

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

}  // namespace faas::provider
