#pragma once
// BackendMetrics: the per-function gauges every back end reports under the same names, so a
// dashboard does not depend on which back end runs. Owned by the back end, set on its control
// thread.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/metrics/metrics.hpp"

namespace faas::provider {

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
    // Sets the per-function gauges from `counts` ("<name>.<namespace>" -> {desired, ready}) and
    // the function count, and drops the gauges of functions that are gone.
    void report(const std::map<std::string, std::pair<std::uint64_t, std::size_t>>& counts) {
        for (const auto& [name, gauges] : reported_) {
            if (!counts.contains(name)) {
                replicas.Remove(gauges.first);
                available.Remove(gauges.second);
            }
        }
        reported_.clear();
        for (const auto& [name, c] : counts) {
            auto& desired = replicas.Add({{"function_name", name}});
            auto& ready = available.Add({{"function_name", name}});
            desired.Set(static_cast<double>(c.first));
            ready.Set(static_cast<double>(c.second));
            reported_[name] = {&desired, &ready};
        }
        functions.Set(static_cast<double>(counts.size()));
    }

    prometheus::Family<prometheus::Gauge>& replicas;
    prometheus::Family<prometheus::Gauge>& available;
    prometheus::Family<prometheus::Counter>& restarts;
    prometheus::Gauge& functions;

private:
    std::map<std::string, std::pair<prometheus::Gauge*, prometheus::Gauge*>> reported_;
};

}  // namespace faas::provider
