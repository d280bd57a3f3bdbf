#pragma once
// simdjson DOM accessors the Swarm mapping shares (swarm_spec.cpp, swarm_parse.cpp): a missing
// key or a value of another type reads as empty, so dockerd's JSON is read without a check per
// field. Internal to provider/backends/swarm/.
#include <cstdint>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"

namespace faas::provider::swarm {

using simdjson::dom::element;

// The string at `key` of object `e`, else "".
std::string str(element e, const char* key);
// The non-negative integer at `key` of object `e`, else 0.
std::uint64_t num(element e, const char* key);
// The value at `key` of object `e`, else an empty object.
element field(element e, const char* key);
bool has(element e, const char* key);
// The string members of object `e`.
openfaas::StringMap string_map(element e);

}  // namespace faas::provider::swarm
