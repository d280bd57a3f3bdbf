#include "core/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace faas::metrics {

std::string serialize(const Registry& registry) {
    const prometheus::TextSerializer serializer;
    return serializer.Serialize(registry.Collect());
}

}  // namespace faas::metrics
