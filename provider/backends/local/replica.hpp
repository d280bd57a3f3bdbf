#pragma once
// The state behind LocalBackend::Function and LocalBackend::Replica, shared by backend.cpp
// (functions, reconcile, endpoint list) and replica.cpp (process supervision). Control thread only.
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

namespace faas::provider::local {

struct LocalBackend::Replica {
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

struct LocalBackend::Function {
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

}  // namespace faas::provider::local
