#pragma once
// What the files of the Kubernetes back end share: API paths and the back end's metrics.
// Internal to provider/backends/kubernetes/.
#include <map>
#include <string>
#include <utility>

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

    // Sets the per-function gauges (desired, ready by "<name>.<namespace>") and drops those of
    // functions that are gone.
    void report(const std::map<std::string, std::pair<std::uint64_t, std::size_t>>& counts) {
        for (const auto& [name, gauges] : reported) {
            if (!counts.contains(name)) {
                functions.replicas.Remove(gauges.first);
                functions.available.Remove(gauges.second);
            }
        }
        reported.clear();
        for (const auto& [name, c] : counts) {
            auto& desired = functions.replicas.Add({{"function_name", name}});
            auto& ready = functions.available.Add({{"function_name", name}});
            desired.Set(static_cast<double>(c.first));
            ready.Set(static_cast<double>(c.second));
            reported[name] = {&desired, &ready};
        }
        functions.functions.Set(static_cast<double>(counts.size()));
    }

    BackendMetrics functions;
    prometheus::Counter& api_errors;
    std::map<std::string, std::pair<prometheus::Gauge*, prometheus::Gauge*>> reported;
};

}  // namespace faas::provider::kubernetes
