#pragma once
// What every back end reads from, and requires of, a deployment or a secret. The API checks
// requests here once, before any back end sees them; a back end checks only what it alone
// knows (its namespaces, its secrets). Pure functions, any thread.
#include <cstdint>
#include <string>

#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::provider {

// A deployment every back end can take: a service name that is a DNS-1123 label, an image,
// limits and requests that parse. Fills an empty namespace with `default_namespace`.
// errc::bad_request with the message the API answers.
Status validate_deployment(openfaas::FunctionDeployment& d, const std::string& default_namespace);

// A secret name (POST and PUT /system/secrets): present and a DNS-1123 label.
Status validate_secret(const openfaas::Secret& s);

// Initial/minimum replicas from the com.openfaas.scale.min label: > 0 when it parses, else 1.
std::uint64_t scale_min(const openfaas::FunctionDeployment& d);
// True when the label is present and parses as a positive number.
bool has_scale_min(const openfaas::FunctionDeployment& d);

}  // namespace faas::provider
