#pragma once
// Kubernetes resource quantities as the limits of a FunctionDeployment carry them: memory
// ("128Mi", "5Mi", "1G", "134217728") and cpu ("100m", "0.5", "2"), and the limits made of
// them. Both back ends read them.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::provider {

// Bytes, or nullopt when `q` is not a quantity (or is negative / fractional bytes).
std::optional<std::uint64_t> parse_memory_quantity(std::string_view q);
// Millicores, or nullopt when `q` is not a quantity.
std::optional<std::uint64_t> parse_cpu_quantity(std::string_view q);

struct ReplicaLimits {
    std::optional<std::uint64_t> memory_bytes;
    std::optional<std::uint64_t> cpu_millis;
    bool any() const noexcept { return memory_bytes || cpu_millis; }
};

// Parses the quantities of `limits`; a bad quantity is errc::bad_request naming the field.
Result<ReplicaLimits> parse_limits(const std::optional<openfaas::FunctionResources>& limits);

}  // namespace faas::provider
