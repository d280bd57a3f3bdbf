#pragma once
// The gateway's wiring: which feature objects exist and who shares them. Each feature owns its
// state. Shared is one per process: the immutable provider link and the features threads share
// (the /system route table, read-only; scale claims and the webhook secret cache, each behind
// its own small lock). ThreadState is one per I/O thread and never crosses threads: its client
// pool, endpoint view, balancer, metric cache, webhook secret reads and queue checks belong to
// that thread's io_context.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "core/http/basic_auth.hpp"
#include "core/http/client.hpp"
#include "core/http/exchange.hpp"
#include "core/log/log.hpp"
#include "gateway/async.hpp"
#include "gateway/balancer.hpp"
#include "gateway/config.hpp"
#include "gateway/endpoint_view.hpp"
#include "gateway/metrics.hpp"
#include "gateway/provider_link.hpp"
#include "gateway/routing.hpp"
#include "gateway/scale_claims.hpp"
#include "gateway/snapshot.hpp"
#include "gateway/system_routes.hpp"
#include "gateway/webhook_gate.hpp"

namespace faas::gateway {

class AsyncQueue;

struct Shared {
    // Reads the basic-auth secrets when basic_auth=true. Throws config::ConfigError for settings
    // that cannot work (unreadable secrets, a provider URL that is not http://).
    Shared(const Config& c, log::Logger l, Metrics& m);

    const Config& config;
    log::Logger log;
    Metrics& metrics;
    const std::optional<http::Credentials> credentials;  // basic_auth=true
    const ProviderLink provider;
    const SystemRoutes system_routes;
    ScaleClaims scale_claims;
    WebhookSecrets webhook_secrets;
    // The JetStream connection of the async routes (owned by Gateway::Impl; never null once
    // the gateway runs).
    AsyncQueue* queue = nullptr;
    // Asks the discovery thread for a fresh endpoint list now (safe from any thread).
    std::function<void()> request_refresh;
    std::atomic<bool> stopping{false};
};

struct ThreadState {
    ThreadState(asio::io_context& context, Shared& s);

    asio::io_context& ioc;
    Shared& shared;
    http::ClientPool client;
    ProviderClient provider;
    EndpointView endpoints;
    Balancer balancer;
    CallMetrics metrics;
    WebhookGate webhook;
    AsyncPublisher publisher;

    // Installs a new endpoint snapshot: the view wakes the calls waiting for one, the balancer
    // forgets what the old list made it remember (this thread only).
    void set_snapshot(SnapshotPtr snap);
};

// X-Start-Time: now as Unix nanoseconds in decimal.
std::string start_time_ns();

// A function missing from the endpoint list, asked of the provider (3 s at most) as both call
// routes do: its status, or errc::not_found "error finding function <name>.<ns>: <reason>",
// which they answer.
awaitable<Result<openfaas::FunctionStatus>> find_unlisted(ThreadState& ts,
                                                          const FunctionRoute& route);

// Handlers. Each answers the exchange completely.
awaitable<void> handle_function(ThreadState& ts, http::Exchange& ex, FunctionRoute route);
awaitable<void> handle_system(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_healthz(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_ui(http::Exchange& ex);
// POST /async-function/... (async.cpp) and /async-batch/... (async_batch.cpp).
awaitable<void> handle_async(ThreadState& ts, http::Exchange& ex, FunctionRoute route);
awaitable<void> handle_batch(ThreadState& ts, http::Exchange& ex, FunctionRoute route);

// Version strings compiled in from CMake (project version, git sha at configure time).
const char* version_release() noexcept;
const char* version_sha() noexcept;
const char* build_arch() noexcept;

}  // namespace faas::gateway
