#pragma once
// What the files of the Kubernetes back end share: API paths and the back end's metrics.
// Internal to provider/backends/kubernetes/.
#include <string>

#include "core/metrics/metrics.hpp"
#include "provider/backend_metrics.hpp"
#include "provider/backends/kubernetes/backend.hpp"

namespace faas::provider::kubernetes {

inline std::string core_path(const std::string& ns, const std::string& resource) {
    return "/api/v1/namespaces/" + ns + "/" + resource;
}

// The gauges every back end reports (BackendMetrics) and the API's error count.
struct KubernetesBackend::Metrics {
    explicit Metrics(metrics::Registry& r)
        : functions(r),
          api_errors(prometheus::BuildCounter()
                         .Name("faas_provider_kube_api_errors_total")
                         .Help("Kubernetes API calls and watches that failed or were refused")
                         .Register(r)
                         .Add({})) {}

    BackendMetrics functions;
    prometheus::Counter& api_errors;
};

}  // namespace faas::provider::kubernetes
