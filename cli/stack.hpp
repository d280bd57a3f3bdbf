#pragma once
// stack.yml: faas-cli's stack file (docs/wire-contract.md §6). load_stack() reads it with
// ${VAR} / ${VAR:-default} substitution, merges environment_file entries, and checks version,
// provider and each function; to_deployment() maps one function to a FunctionDeployment the way
// faas-cli deploy does, with the command line's --env/--label/--annotation/--secret on top.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::cli {

// The annotation telling the local back end where to run the function (docs/contracts.md).
inline constexpr std::string_view kWorkdirAnnotation = "com.faas.local.workdir";

struct StackResources {
    std::string memory;
    std::string cpu;
};

struct StackFunction {
    std::string name;  // the map key: the service name
    std::string lang;
    std::string handler;           // as written
    std::filesystem::path handler_dir;  // absolute, set when `handler` is an existing directory
    std::string image;
    std::string fprocess;
    std::string namespace_;
    openfaas::StringMap environment;  // environment, then environment_file entries over it
    std::vector<std::string> secrets;
    std::vector<std::string> constraints;
    openfaas::StringMap labels;
    openfaas::StringMap annotations;
    StackResources limits;
    StackResources requests;
    bool readonly_root_filesystem = false;
};

struct Stack {
    std::string version;        // "1.0" or empty
    std::string provider_name;  // "openfaas"
    std::string gateway;        // provider.gateway, may be empty
    std::vector<StackFunction> functions;  // in file order
};

// Looks up variables for ${VAR} substitution (the process environment by default).
using VarLookup = std::function<std::optional<std::string>(std::string_view)>;
VarLookup process_vars();

// Replaces ${VAR}, ${VAR:-default} (default when unset or empty) and ${VAR-default} (default
// when unset); an unset ${VAR} becomes "". "$$" is a literal '$'. An unclosed "${" is an error.
Result<std::string> substitute_vars(std::string_view text, const VarLookup& vars);

// Parses stack text. Relative `handler` and `environment_file` paths are resolved against
// `base_dir` (the stack file's directory). `substitute` false skips ${VAR} substitution.
Result<Stack> parse_stack(std::string_view text,
                          const std::filesystem::path& base_dir,
                          const VarLookup& vars,
                          bool substitute = true);
Result<Stack> load_stack(const std::filesystem::path& path,
                         const VarLookup& vars,
                         bool substitute = true);

// What the command line adds to every deployed function.
struct DeployOverrides {
    openfaas::StringMap env;
    openfaas::StringMap labels;
    openfaas::StringMap annotations;
    std::vector<std::string> secrets;
    std::vector<std::string> constraints;  // replace the stack's when non-empty
    std::string namespace_;                // replaces the stack's when non-empty
};

openfaas::FunctionDeployment to_deployment(const StackFunction& fn,
                                           const DeployOverrides& overrides);

}  // namespace faas::cli
