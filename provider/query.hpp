#pragma once
// Query strings and timestamps as the provider API receives them.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/types.hpp"
#include "core/openfaas/types.hpp"

namespace faas::provider {

using http::parse_query;
using http::query_value;
using openfaas::parse_rfc3339;

}  // namespace faas::provider
