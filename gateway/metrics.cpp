#include "gateway/metrics.hpp"

#include <unordered_set>

namespace faas::gateway {

namespace {

// Prometheus client_golang's default buckets, which the OpenFaaS gateway uses.
const prometheus::Histogram::BucketBoundaries kDefaultBuckets{.005, .01, .025, .05, .1, .25,
                                                              .5,   1,   2.5,  5,   10};

}  // namespace

Metrics::Metrics()
    : invocation_total(prometheus::BuildCounter()
                           .Name("gateway_function_invocation_total")
                           .Help("Function metrics")
                           .Register(registry)),
      functions_seconds(prometheus::BuildHistogram()
                            .Name("gateway_functions_seconds")
                            .Help("Function time taken")
                            .Register(registry)),
      invocation_started(prometheus::BuildCounter()
                             .Name("gateway_function_invocation_started")
                             .Help("The total number of function HTTP requests started.")
                             .Register(registry)),
      service_count(prometheus::BuildGauge()
                        .Name("gateway_service_count")
                        .Help("Current count of replicas for function")
                        .Register(registry)),
      replica_retries(prometheus::BuildCounter()
                          .Name("faas_gateway_replica_retries_total")
                          .Help("Calls sent to another replica after one refused the connection")
                          .Register(registry)),
      scale_from_zero(prometheus::BuildCounter()
                          .Name("faas_gateway_scale_from_zero_waits_total")
                          .Help("Calls held until a function had a ready replica, by outcome")
                          .Register(registry)),
      scale_from_zero_seconds(prometheus::BuildHistogram()
                                  .Name("faas_gateway_scale_from_zero_wait_seconds")
                                  .Help("Time calls were held waiting for a ready replica")
                                  .Register(registry)),
      endpoints_poll_failures(prometheus::BuildCounter()
                                  .Name("faas_gateway_endpoints_poll_failures_total")
                                  .Help("Failed GET /system/endpoints calls to the provider")
                                  .Register(registry)
                                  .Add({})),
      endpoints_updates(prometheus::BuildCounter()
                            .Name("faas_gateway_endpoints_updates_total")
                            .Help("Endpoint list generations received from the provider")
                            .Register(registry)
                            .Add({})),
      async_requests(prometheus::BuildCounter()
                         .Name("faas_async_requests_total")
                         .Help("Answers of the async and batch routes by function and status "
                               "(a batch counts once)")
                         .Register(registry)),
      webhook_rejected(prometheus::BuildCounter()
                           .Name("faas_gateway_webhook_rejected_total")
                           .Help("Webhook requests refused by function and reason")
                           .Register(registry)),
      nats_connect_failures(prometheus::BuildCounter()
                                .Name("faas_gateway_nats_connect_failures_total")
                                .Help("Failed attempts to connect to NATS and ensure the streams")
                                .Register(registry)
                                .Add({})) {}

std::uint64_t Metrics::invocations(const std::string& function) const {
    std::lock_guard lock(mu_);
    auto it = invocations_.find(function);
    return it == invocations_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

std::atomic<std::uint64_t>& Metrics::invocation_counter(const std::string& function) {
    std::lock_guard lock(mu_);
    auto& slot = invocations_[function];
    if (!slot) {
        slot = std::make_unique<std::atomic<std::uint64_t>>(0);
    }
    return *slot;
}

void Metrics::set_service_counts(const Snapshot& snap) {
    std::unordered_set<std::string> seen;
    for (const auto& [key, f] : snap.functions) {
        seen.insert(key);
        auto it = service_gauges_.find(key);
        if (it == service_gauges_.end()) {
            it = service_gauges_.emplace(key, &service_count.Add({{"function_name", key}})).first;
        }
        it->second->Set(static_cast<double>(f.replicas));
    }
    for (auto it = service_gauges_.begin(); it != service_gauges_.end();) {
        if (seen.count(it->first) == 0) {
            service_count.Remove(it->second);
            it = service_gauges_.erase(it);
        } else {
            ++it;
        }
    }
}

CallMetrics::PerFunction& CallMetrics::of(const std::string& function) {
    auto it = cache_.find(function);
    if (it == cache_.end()) {
        it = cache_.emplace(function, PerFunction{}).first;
    }
    return it->second;
}

CallMetrics::PerFunction& CallMetrics::invoked(const std::string& function) {
    auto& p = of(function);
    if (p.started == nullptr) {
        p.started = &m_.invocation_started.Add({{"function_name", function}});
        p.retries = &m_.replica_retries.Add({{"function_name", function}});
        p.invocations = &m_.invocation_counter(function);
    }
    return p;
}

void CallMetrics::started(const std::string& function) {
    invoked(function).started->Increment();
}

void CallMetrics::finished(const std::string& function, int code, double seconds) {
    auto& p = invoked(function);
    auto it = p.by_code.find(code);
    if (it == p.by_code.end()) {
        const std::map<std::string, std::string> labels{{"function_name", function},
                                                        {"code", std::to_string(code)}};
        auto* counter = &m_.invocation_total.Add(labels);
        auto* histogram = &m_.functions_seconds.Add(labels, kDefaultBuckets);
        it = p.by_code.emplace(code, std::make_pair(counter, histogram)).first;
    }
    it->second.first->Increment();
    it->second.second->Observe(seconds);
    p.invocations->fetch_add(1, std::memory_order_relaxed);
}

void CallMetrics::retried(const std::string& function) {
    invoked(function).retries->Increment();
}

void CallMetrics::async_answered(const std::string& function, int code) {
    auto& p = of(function);
    auto it = p.async_by_code.find(code);
    if (it == p.async_by_code.end()) {
        auto* counter =
            &m_.async_requests.Add({{"function", function}, {"code", std::to_string(code)}});
        it = p.async_by_code.emplace(code, counter).first;
    }
    it->second->Increment();
}

void CallMetrics::webhook_rejected(const std::string& function, std::string_view reason) {
    auto& p = of(function);
    auto it = p.rejected_by_reason.find(reason);
    if (it == p.rejected_by_reason.end()) {
        auto* counter = &m_.webhook_rejected.Add(
            {{"function_name", function}, {"reason", std::string(reason)}});
        it = p.rejected_by_reason.emplace(std::string(reason), counter).first;
    }
    it->second->Increment();
}

void CallMetrics::scale_from_zero(const std::string& function, const char* outcome,
                                  double seconds) {
    m_.scale_from_zero.Add({{"function_name", function}, {"outcome", outcome}}).Increment();
    m_.scale_from_zero_seconds.Add({{"function_name", function}}, kDefaultBuckets).Observe(seconds);
}

}  // namespace faas::gateway
