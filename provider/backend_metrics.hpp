#pragma once
// BackendMetrics: the per-function gauges every back end reports under the same names, so a
// dashboard does not depend on which back end runs. Owned by the back end, set on its control
// thread.
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
    prometheus::Family<prometheus::Gauge>& replicas;
    prometheus::Family<prometheus::Gauge>& available;
    prometheus::Family<prometheus::Counter>& restarts;
    prometheus::Gauge& functions;
};

}  // namespace faas::provider
