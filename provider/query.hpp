#pragma once
// Query strings and timestamps as the provider API receives them.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace faas::provider {

// "a=1&b=x%20y" -> {a: 1, b: "x y"} ('+' is a space; the first value of a repeated key wins).
std::map<std::string, std::string> parse_query(std::string_view query);
// The value of `key`, or "" when absent.
std::string query_value(const std::map<std::string, std::string>& q, const std::string& key);
// RFC 3339 ("2026-11-23T10:00:00Z", "...T10:00:00.5+01:00"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

}  // namespace faas::provider
