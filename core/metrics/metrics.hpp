#pragma once
// Prometheus metrics: a registry per process, served as text from our own HTTP server (no
// civetweb). Names are faas_<component>_<what>_<unit>, except where OpenFaaS fixes them.
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace faas::metrics {

using Registry = prometheus::Registry;

// Prometheus text exposition format 0.0.4 of everything in the registry.
std::string serialize(const Registry& registry);

inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace faas::metrics
