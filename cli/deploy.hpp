#pragma once
// Deploying a set of functions and waiting for them to be ready, shared by `faas deploy` and
// `faas up`: PUT/POST (or DELETE+POST) each deployment, print faas-cli's lines, then show one
// progress line per function until it has a ready replica or the wait times out.
#include <chrono>
#include <ostream>
#include <vector>

#include "cli/api.hpp"
#include "core/openfaas/types.hpp"

namespace faas::cli {

struct DeployPlan {
    std::vector<openfaas::FunctionDeployment> functions;
    DeployMode mode = DeployMode::Update;
    bool wait = true;
    std::chrono::nanoseconds wait_timeout = std::chrono::seconds(60);
};

struct DeployReport {
    int deployed = 0;
    int failed = 0;  // deploy call refused or not ready in time
};

// Writes per-function lines to `out` and failures to `err` ("faas: ..." lines).
awaitable<DeployReport> deploy_all(Api& api,
                                   DeployPlan plan,
                                   std::ostream& out,
                                   std::ostream& err,
                                   bool err_is_terminal);

// "http://gw/function/name" (with ".ns" when a namespace was given).
std::string function_url(const GatewayConfig& gw, const std::string& name,
                         const std::string& ns, bool async = false);

}  // namespace faas::cli
