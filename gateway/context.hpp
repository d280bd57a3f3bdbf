#pragma once
// State the gateway's request handlers share. Shared is one per process (immutable after start,
// atomics or a small lock where threads meet); ThreadState is one per I/O thread and never
// crosses threads: its ClientPool, Balancer, metric cache and current endpoint snapshot belong
// to that thread's io_context.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/async/async_event.hpp"
#include "core/http/client.hpp"
#include "core/http/exchange.hpp"
#include "core/log/log.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/auth.hpp"
#include "gateway/balancer.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "gateway/routing.hpp"
#include "gateway/snapshot.hpp"
#include "gateway/webhook_gate.hpp"

namespace faas::gateway {

class AsyncQueue;

struct Shared {
    Shared(const Config& c, log::Logger l, Metrics& m) : config(c), log(std::move(l)), metrics(m) {}

    const Config& config;
    log::Logger log;
    Metrics& metrics;
    http::Endpoint provider;
    std::string provider_prefix;  // the provider URL's path without its trailing '/'
    http::Endpoint logs_provider;
    std::string logs_prefix;
    std::optional<Credentials> credentials;  // basic_auth=true
    std::string provider_auth;                // Authorization sent to the provider, or ""
    // Asks the discovery thread for a fresh endpoint list now (safe from any thread).
    std::function<void()> request_refresh;
    std::atomic<bool> stopping{false};
    // The JetStream connection of the async routes (owned by Gateway::Impl; never null once
    // the gateway runs).
    AsyncQueue* queue = nullptr;
    WebhookSecrets webhook_secrets;

    // Scale from zero is asked once per function however many calls wait for it: the first
    // caller claims it. A claim covers callers that see the same (or an older) endpoint list
    // generation; a newer list showing zero replicas again (scaled down since) needs a new
    // request, and a claim lapses after a while so a lost request is sent again.
    bool claim_scale(const std::string& function, std::uint64_t generation);
    void release_scale(const std::string& function);

private:
    struct Claim {
        std::chrono::steady_clock::time_point at;
        std::uint64_t generation = 0;
    };
    std::mutex scale_mu_;
    std::unordered_map<std::string, Claim> scale_claims_;
};

struct ThreadState {
    ThreadState(asio::io_context& context, Shared& s);

    asio::io_context& ioc;
    Shared& shared;
    http::ClientPool client;
    SnapshotPtr snapshot;
    Balancer balancer;
    CallMetrics metrics;
    // Webhook secrets being read from the provider by this thread, by "name.namespace".
    std::unordered_map<std::string, std::shared_ptr<SecretRead>> secret_reads;
    // When each queue's durable consumer is to be checked again (async.cpp).
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> queue_checks;

    // Installs a new snapshot and wakes every call waiting for one (this thread only).
    void set_snapshot(SnapshotPtr snap);
    // Returns true once this thread's snapshot generation differs from `seen` (at once if it
    // already does), false when `deadline` passed first. Event-driven, never polls.
    awaitable<bool> wait_change(std::uint64_t seen, std::chrono::steady_clock::time_point deadline);

    // A call to the provider (`target` below its URL path) with the gateway's credentials.
    awaitable<Result<http::Response>> provider_call(std::string method, std::string target,
                                                    std::string body,
                                                    std::chrono::nanoseconds timeout);

    // GET /system/function/<name>?namespace=<ns>: a function the endpoint list does not show
    // (yet). `status` is set when it is deployed; otherwise `reason` says why not.
    struct Lookup {
        std::optional<openfaas::FunctionStatus> status;
        std::string reason;
    };
    awaitable<Lookup> lookup_function(std::string name, std::string namespace_);

private:
    std::vector<async::AsyncEvent*> waiters_;
};

// X-Start-Time: now as Unix nanoseconds in decimal.
std::string start_time_ns();

// Handlers. Each answers the exchange completely.
awaitable<void> handle_function(ThreadState& ts, http::Exchange& ex, FunctionRoute route);
awaitable<void> handle_system(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_healthz(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_ui(http::Exchange& ex);
// POST /async-function/... and /async-batch/... (async.cpp).
awaitable<void> handle_async(ThreadState& ts, http::Exchange& ex, FunctionRoute route);
awaitable<void> handle_batch(ThreadState& ts, http::Exchange& ex, FunctionRoute route);

// Version strings compiled in from CMake (project version, git sha at configure time).
const char* version_release() noexcept;
const char* version_sha() noexcept;
const char* build_arch() noexcept;

}  // namespace faas::gateway
