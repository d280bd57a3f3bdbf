#pragma once
// How a request names a function (docs/wire-contract.md §0, §1.3): "/function/<name>[/<rest>]"
// with "<name>" = "fn" or "fn.ns" (split on the last dot), or our X-Function header on "/".
// Pure functions, unit-tested; no I/O.
#include <optional>
#include <string>
#include <string_view>

namespace faas::gateway {

struct FunctionRoute {
    std::string name;        // function name without namespace
    std::string namespace_;  // namespace (the default one when the name had no dot)
    std::string target;      // request-target for the replica: "/<rest>[?query]"
    // Filled by the async and batch parsers only (a queued call keeps them apart); the sync
    // route relays `target`.
    std::string path;   // "/<rest>" as addressed, "" when the route named only the function
    std::string query;  // raw query without the question mark
    // "name.namespace": the key for metrics, counters and the endpoint snapshot.
    std::string qualified() const { return name + "." + namespace_; }
};

// Parses a request-target under "/function/". Returns nullopt when the path is not a function
// route at all; a route whose name is empty or has characters outside [-a-zA-Z_0-9.] comes
// back with an empty `name` (answered 404 like an unknown function).
std::optional<FunctionRoute> parse_function_route(std::string_view target,
                                                  std::string_view default_namespace);

// The same for the async routes (docs/async.md): "/async-function/<name>[.<ns>][/<rest>]" and
// "/async-batch/<name>[.<ns>][/<rest>]". nullopt when the target is not under that prefix.
std::optional<FunctionRoute> parse_async_route(std::string_view target,
                                               std::string_view default_namespace);
std::optional<FunctionRoute> parse_batch_route(std::string_view target,
                                               std::string_view default_namespace);

// The route for a request on "/" carrying "X-Function: <name>" (our extension): the replica
// sees the request's own target.
FunctionRoute route_from_header(std::string_view function, std::string_view target,
                                std::string_view default_namespace);

// Methods the provider proxy lets through to a function; anything else is 405.
bool function_method_allowed(std::string_view method) noexcept;

// A random UUID v4 in its text form ("6f1c...-4...-[89ab]...").
std::string new_call_id();

// The call id of a submission with an Idempotency-Key: a UUID-formatted (version 5 bits) hash
// of the function ("name.namespace") and the key, so a retried submission gets the same id.
std::string call_id_for_key(std::string_view function, std::string_view key);

// True for a syntactically valid UUID text (any version), used only by tests.
bool looks_like_uuid(std::string_view s) noexcept;

}  // namespace faas::gateway
