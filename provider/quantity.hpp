#pragma once
// Kubernetes resource quantities as the limits of a FunctionDeployment carry them: memory
// ("128Mi", "5Mi", "1G", "134217728") and cpu ("100m", "0.5", "2").
#include <cstdint>
#include <optional>
#include <string_view>

namespace faas::provider {

// Bytes, or nullopt when `q` is not a quantity (or is negative / fractional bytes).
std::optional<std::uint64_t> parse_memory_quantity(std::string_view q);
// Millicores, or nullopt when `q` is not a quantity.
std::optional<std::uint64_t> parse_cpu_quantity(std::string_view q);

}  // namespace faas::provider
