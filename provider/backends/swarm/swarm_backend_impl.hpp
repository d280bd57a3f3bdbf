#pragma once
// What the files of the Swarm back end share: Engine API constants, list filters and the
// back end's metrics. Internal to provider/backends/swarm/.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/metrics/metrics.hpp"
#include "provider/backend_metrics.hpp"
#include "provider/backends/swarm/swarm_backend.hpp"

namespace faas::provider::swarm {

inline constexpr std::string_view kApi = "/v1.41";
// How long polling stays fast after a deploy, scale or change.
inline constexpr auto kFastWindow = std::chrono::seconds(30);
inline constexpr std::uint16_t kFunctionPort = 8080;

// The filters= query parameter of an Engine API list call, `json` percent-encoded.
std::string filters(std::string_view json);
// filters= for objects carrying `label` ("key" or "key=value").
std::string label_filter(std::string_view label);

// The gauges every back end reports (BackendMetrics) and the Engine API's error count.
struct SwarmBackend::Metrics {
    explicit Metrics(metrics::Registry& r)
        : functions(r),
          docker_errors(prometheus::BuildCounter()
                            .Name("faas_provider_dockerd_errors_total")
                            .Help("Engine API calls that failed or answered an error")
                            .Register(r)
                            .Add({})) {}

    BackendMetrics functions;
    prometheus::Counter& docker_errors;
};

}  // namespace faas::provider::swarm
