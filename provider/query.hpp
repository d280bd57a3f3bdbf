#pragma once
// Query strings and timestamps as the provider API receives them.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/types.hpp"

namespace faas::provider {

using http::parse_query;
using http::query_value;
// RFC 3339 ("2026-11-23T10:00:00Z", "...T10:00:00.5+01:00"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

}  // namespace faas::provider
