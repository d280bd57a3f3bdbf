#include "watchdog/metrics.hpp"

namespace faas::watchdog {

std::string_view method_label(std::string_view m) {
    for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
        if (m == known) {
            return known;
        }
    }
    return "OTHER";
}

void MetricCache::observe(int code, std::string_view method, double seconds) {
    const auto key = std::make_pair(code, std::string(method));
    auto it = cache_.find(key);
    if (it == cache_.end()) {
        const std::map<std::string, std::string> labels{{"code", std::to_string(code)},
                                                        {"method", std::string(method)}};
        auto& counter = m_.requests.Add(labels);
        auto& histogram =
            m_.duration.Add(labels, prometheus::Histogram::BucketBoundaries{
                                        .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10});
        it = cache_.emplace(key, std::make_pair(&counter, &histogram)).first;
    }
    it->second.first->Increment();
    it->second.second->Observe(seconds);
}

}  // namespace faas::watchdog
