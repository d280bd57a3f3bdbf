#pragma once
// The gateway's metrics (docs/wire-contract.md §1.9 names and labels, plus ours as faas_gateway_*)
// and the per-function invocation counts /system/functions reports. Metrics is one per process
// (prometheus-cpp families are thread-safe); CallMetrics is a per-thread cache of the children so
// a call does not build label maps.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/metrics/metrics.hpp"
#include "gateway/snapshot.hpp"

namespace faas::gateway {

class Metrics {
public:
    Metrics();

    metrics::Registry registry;
    prometheus::Family<prometheus::Counter>& invocation_total;
    prometheus::Family<prometheus::Histogram>& functions_seconds;
    prometheus::Family<prometheus::Counter>& invocation_started;
    prometheus::Family<prometheus::Gauge>& service_count;
    prometheus::Family<prometheus::Counter>& replica_retries;
    prometheus::Family<prometheus::Counter>& scale_from_zero;
    prometheus::Family<prometheus::Histogram>& scale_from_zero_seconds;
    prometheus::Counter& endpoints_poll_failures;
    prometheus::Counter& endpoints_updates;
    // Async calls (docs/async.md): what the async and batch routes answered, webhook requests
    // refused, failed NATS connects and status records that could not be written.
    prometheus::Family<prometheus::Counter>& async_requests;
    prometheus::Family<prometheus::Counter>& webhook_rejected;
    prometheus::Counter& nats_connect_failures;

    // Invocations per "name.namespace" since start (every completed call, any status).
    std::uint64_t invocations(const std::string& function) const;
    std::atomic<std::uint64_t>& invocation_counter(const std::string& function);

    // gateway_service_count from a snapshot's desired replicas; drops functions that are gone.
    // Called on the discovery thread only.
    void set_service_counts(const Snapshot& snap);

private:
    mutable std::mutex mu_;
    std::unordered_map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> invocations_;
    std::unordered_map<std::string, prometheus::Gauge*> service_gauges_;
};

// Per-thread view of Metrics for the call path.
class CallMetrics {
public:
    explicit CallMetrics(Metrics& m) : m_(m) {}
    void started(const std::string& function);
    void finished(const std::string& function, int code, double seconds);
    void retried(const std::string& function);
    // outcome: "ready" (a replica came up), "timeout", "failed".
    void scale_from_zero(const std::string& function, const char* outcome, double seconds);
    // faas_async_requests_total{function,code}: an answer of the async or batch route.
    void async_answered(const std::string& function, int code);
    // faas_gateway_webhook_rejected_total{function_name,reason}.
    void webhook_rejected(const std::string& function, std::string_view reason);

private:
    // The invocation children are made on a function's first sync call (invoked()), so a
    // function seen only on the async routes has no invocation series.
    struct PerFunction {
        prometheus::Counter* started = nullptr;
        prometheus::Counter* retries = nullptr;
        std::atomic<std::uint64_t>* invocations = nullptr;
        std::map<int, std::pair<prometheus::Counter*, prometheus::Histogram*>> by_code;
        std::map<int, prometheus::Counter*> async_by_code;
        std::map<std::string, prometheus::Counter*, std::less<>> rejected_by_reason;
    };
    PerFunction& of(const std::string& function);
    PerFunction& invoked(const std::string& function);

    Metrics& m_;
    std::unordered_map<std::string, PerFunction> cache_;
};

}  // namespace faas::gateway
