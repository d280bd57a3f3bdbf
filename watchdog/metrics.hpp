#pragma once
// The watchdog's function-request metrics, with of-watchdog's names so existing dashboards keep
// working. One Metrics per process (owned by the Watchdog); one MetricCache per I/O thread.
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/metrics/metrics.hpp"

namespace faas::watchdog {

struct Metrics {
    Metrics()
        : requests(prometheus::BuildCounter()
                       .Name("http_requests_total")
                       .Help("Function requests by status code and method")
                       .Register(registry)),
          duration(prometheus::BuildHistogram()
                       .Name("http_request_duration_seconds")
                       .Help("Seconds spent serving function requests")
                       .Register(registry)),
          inflight_family(prometheus::BuildGauge()
                              .Name("http_requests_in_flight")
                              .Help("Function requests being served")
                              .Register(registry)),
          inflight(inflight_family.Add({})) {}

    metrics::Registry registry;
    prometheus::Family<prometheus::Counter>& requests;
    prometheus::Family<prometheus::Histogram>& duration;
    prometheus::Family<prometheus::Gauge>& inflight_family;
    prometheus::Gauge& inflight;
};

// The method as a bounded label: the usual methods, anything else "OTHER".
std::string_view method_label(std::string_view m);

// Per-thread cache of metric children, so a request does not build label maps.
class MetricCache {
public:
    explicit MetricCache(Metrics& m) : m_(m) {}
    void observe(int code, std::string_view method, double seconds);

private:
    Metrics& m_;
    std::map<std::pair<int, std::string>, std::pair<prometheus::Counter*, prometheus::Histogram*>>
        cache_;
};

}  // namespace faas::watchdog
