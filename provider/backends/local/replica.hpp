#pragma once
// The state behind Backend::Function and Backend::Replica, shared by backend.cpp (functions,
// reconcile, endpoint list) and replica.cpp (process supervision). Control thread only.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/async/async_event.hpp"
#include "core/process/child.hpp"
#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/limits.hpp"

namespace faas::provider {

struct Backend::Replica {
    enum class State { Starting, Ready, Unhealthy, Stopping };

    Replica(const asio::any_io_executor& ex, std::string replica_id, std::uint64_t v)
        : id(std::move(replica_id)), version(v), wake(ex), done(ex), readers_done(ex) {}

    std::string id;
    std::uint64_t version = 0;  // the function version it runs
    State state = State::Starting;
    std::uint16_t port = 0;
    std::filesystem::path dir;
    std::optional<process::Child> child;
    bool exited = false;             // the current process has exited
    process::ExitStatus exit_status;
    bool stop_requested = false;
    int restarts = 0;
    int readers = 0;
    std::deque<std::string> stderr_tail;  // last lines, for the exit log
    async::AsyncEvent wake;          // exit or stop: interrupts sleeps
    async::AsyncEvent done;          // the supervisor has finished
    async::AsyncEvent readers_done;  // no pipe reader is running
    bool supervising = false;

    bool serving() const noexcept { return state == State::Ready && !stop_requested; }
};

struct Backend::Function {
    StoredFunction stored;
    std::string key;        // "<ns>/<name>"
    std::string log_key;    // "<name>.<ns>"
    std::uint64_t version = 1;
    bool rolled_out = true;
    bool deleted = false;
    std::uint64_t min_replicas = 1;
    ReplicaLimits limits;
    std::vector<std::shared_ptr<Replica>> replicas;

    const std::string& name() const { return stored.deployment.service; }
    const std::string& ns() const { return stored.deployment.namespace_; }
};

struct BackendMetrics {
    explicit BackendMetrics(metrics::Registry& r)
        : replicas(prometheus::BuildGauge()
                       .Name("faas_provider_replicas")
                       .Help("Desired replicas of each function")
                       .Register(r)),
          available(prometheus::BuildGauge()
                        .Name("faas_provider_available_replicas")
                        .Help("Ready replicas of each function (in the endpoint list)")
                        .Register(r)),
          restarts(prometheus::BuildCounter()
                       .Name("faas_provider_replica_restarts_total")
                       .Help("Replica processes that exited and were started again")
                       .Register(r)),
          functions(prometheus::BuildGauge()
                        .Name("faas_provider_functions")
                        .Help("Deployed functions")
                        .Register(r)
                        .Add({})) {}
    prometheus::Family<prometheus::Gauge>& replicas;
    prometheus::Family<prometheus::Gauge>& available;
    prometheus::Family<prometheus::Counter>& restarts;
    prometheus::Gauge& functions;
};

// Initial/minimum replicas from the com.openfaas.scale.min label: > 0 when it parses, else 1.
std::uint64_t scale_min(const openfaas::FunctionDeployment& d);
// True when the label is present and parses as a positive number.
bool has_scale_min(const openfaas::FunctionDeployment& d);

}  // namespace faas::provider
