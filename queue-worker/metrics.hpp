#pragma once
// The queue-worker's prometheus metrics (docs/async.md): queue depth and in-flight gauges, calls
// by outcome, retries, dead letters, callbacks and the end-to-end latency. One per process;
// children are cached per function (the worker's io thread only).
#include <array>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/metrics/metrics.hpp"

namespace faas::queue_worker {

// faas_queue_calls_total's outcome label.
enum class CallOutcome { Succeeded, Failed, DeadLettered, Expired };
// "succeeded", "failed", "dead_lettered", "expired"
std::string_view outcome_name(CallOutcome outcome) noexcept;

class Metrics {
public:
    Metrics();

    metrics::Registry registry;
    prometheus::Family<prometheus::Gauge>& depth;      // faas_queue_depth{queue}
    prometheus::Gauge& inflight;                       // faas_queue_inflight
    prometheus::Family<prometheus::Counter>& calls;    // faas_queue_calls_total{function,outcome}
    prometheus::Family<prometheus::Counter>& retries;  // {function}
    prometheus::Family<prometheus::Counter>& dead_letters;  // {function}
    prometheus::Family<prometheus::Counter>& callbacks;     // faas_callbacks_total{result}
    prometheus::Family<prometheus::Histogram>& latency;     // faas_async_latency_seconds{function}
    prometheus::Counter& status_failures;  // status records that could not be written
    prometheus::Counter& bad_messages;     // undecodable messages, terminated

    // `latency_seconds` < 0: unknown (no enqueue time), not observed.
    void call(const std::string& function, CallOutcome outcome, double latency_seconds);
    void retry(const std::string& function);
    void dead_letter(const std::string& function);
    void callback(std::string_view result);
    void set_depth(const std::string& queue, double messages);

private:
    // A function's children, each made on first use (so no zero series appear for a function
    // that never retried, say).
    struct PerFunction {
        std::array<prometheus::Counter*, 4> calls{};  // by CallOutcome
        prometheus::Counter* retries = nullptr;
        prometheus::Counter* dead_letters = nullptr;
        prometheus::Histogram* latency = nullptr;
    };
    PerFunction& of(const std::string& function);

    std::unordered_map<std::string, PerFunction> functions_;
    std::unordered_map<std::string, prometheus::Counter*> callbacks_;
    std::unordered_map<std::string, prometheus::Gauge*> depth_;
};

}  // namespace faas::queue_worker
