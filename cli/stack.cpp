#include "cli/stack.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace faas::cli {
namespace {

namespace fs = std::filesystem;

Error stack_error(std::string message) {
    return make_error(errc::bad_request, std::move(message));
}

// A scalar as text; a null node ("key:" with nothing after it) is "".
Result<std::string> scalar(const YAML::Node& node, const std::string& where) {
    if (!node || node.IsNull()) {
        return std::string();
    }
    if (!node.IsScalar()) {
        return stack_error(where + " must be a single value");
    }
    return node.Scalar();
}

Result<openfaas::StringMap> string_map(const YAML::Node& node, const std::string& where) {
    openfaas::StringMap out;
    if (!node || node.IsNull()) {
        return out;
    }
    if (!node.IsMap()) {
        return stack_error(where + " must be a map of names to values");
    }
    for (const auto& kv : node) {
        auto key = scalar(kv.first, where + " key");
        if (!key) {
            return key.error();
        }
        auto value = scalar(kv.second, where + "." + *key);
        if (!value) {
            return value.error();
        }
        out[*key] = *value;
    }
    return out;
}

Result<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& where) {
    std::vector<std::string> out;
    if (!node || node.IsNull()) {
        return out;
    }
    if (node.IsScalar()) {  // faas-cli accepts a single value where a list is expected
        out.push_back(node.Scalar());
        return out;
    }
    if (!node.IsSequence()) {
        return stack_error(where + " must be a list");
    }
    for (const auto& item : node) {
        auto v = scalar(item, where + " item");
        if (!v) {
            return v.error();
        }
        out.push_back(*v);
    }
    return out;
}

Result<bool> boolean(const YAML::Node& node, const std::string& where) {
    auto v = scalar(node, where);
    if (!v) {
        return v.error();
    }
    if (v->empty() || *v == "false" || *v == "False" || *v == "no") {
        return false;
    }
    if (*v == "true" || *v == "True" || *v == "yes") {
        return true;
    }
    return stack_error(where + " must be true or false, not \"" + *v + "\"");
}

Result<StackResources> resources(const YAML::Node& node, const std::string& where) {
    auto m = string_map(node, where);
    if (!m) {
        return m.error();
    }
    StackResources r;
    for (const auto& [k, v] : *m) {
        if (k == "memory") {
            r.memory = v;
        } else if (k == "cpu") {
            r.cpu = v;
        }
        // Other keys (GPUs) are not supported by our back ends; faas-cli drops them too.
    }
    return r;
}

Result<std::string> read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return stack_error("cannot read " + path.string());
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

// An environment_file: a YAML document with an `environment:` map.
Result<openfaas::StringMap> read_env_file(const fs::path& path, const VarLookup& vars,
                                          bool substitute) {
    auto text = read_text(path);
    if (!text) {
        return text.error();
    }
    std::string body = std::move(*text);
    if (substitute) {
        auto s = substitute_vars(body, vars);
        if (!s) {
            return stack_error(path.string() + ": " + s.error().what());
        }
        body = std::move(*s);
    }
    try {
        const YAML::Node doc = YAML::Load(body);
        if (!doc || doc.IsNull()) {
            return openfaas::StringMap{};
        }
        if (!doc.IsMap()) {
            return stack_error(path.string() + ": must contain an environment: map");
        }
        return string_map(doc["environment"], path.string() + ": environment");
    } catch (const YAML::Exception& e) {
        return stack_error(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

#define FAAS_TRY_ASSIGN(target, expr) \
    do {                              \
        auto r_ = (expr);             \
        if (!r_) {                    \
            return r_.error();        \
        }                             \
        (target) = std::move(*r_);    \
    } while (false)

// The settings a function's map may hold, each read with its type checked.
Status read_settings(StackFunction& fn, const YAML::Node& node, const std::string& where) {
    FAAS_TRY_ASSIGN(fn.lang, scalar(node["lang"], where + ": lang"));
    FAAS_TRY_ASSIGN(fn.handler, scalar(node["handler"], where + ": handler"));
    FAAS_TRY_ASSIGN(fn.image, scalar(node["image"], where + ": image"));
    FAAS_TRY_ASSIGN(fn.fprocess, scalar(node["fprocess"], where + ": fprocess"));
    FAAS_TRY_ASSIGN(fn.namespace_, scalar(node["namespace"], where + ": namespace"));
    FAAS_TRY_ASSIGN(fn.environment, string_map(node["environment"], where + ": environment"));
    FAAS_TRY_ASSIGN(fn.secrets, string_list(node["secrets"], where + ": secrets"));
    FAAS_TRY_ASSIGN(fn.constraints, string_list(node["constraints"], where + ": constraints"));
    FAAS_TRY_ASSIGN(fn.labels, string_map(node["labels"], where + ": labels"));
    FAAS_TRY_ASSIGN(fn.annotations, string_map(node["annotations"], where + ": annotations"));
    FAAS_TRY_ASSIGN(fn.limits, resources(node["limits"], where + ": limits"));
    FAAS_TRY_ASSIGN(fn.requests, resources(node["requests"], where + ": requests"));
    FAAS_TRY_ASSIGN(fn.readonly_root_filesystem, boolean(node["readonly_root_filesystem"],
                                                         where + ": readonly_root_filesystem"));
    return {};
}

// Adds the variables of the function's environment_file list (they win over environment).
Status add_env_files(StackFunction& fn, const YAML::Node& node, const std::string& where,
                     const fs::path& base_dir, const VarLookup& vars, bool substitute) {
    std::vector<std::string> env_files;
    FAAS_TRY_ASSIGN(env_files, string_list(node["environment_file"], where + ": environment_file"));
    for (const auto& file : env_files) {
        auto extra = read_env_file(base_dir / file, vars, substitute);
        if (!extra) {
            return stack_error(where + ": environment_file: " + extra.error().what());
        }
        for (auto& [k, v] : *extra) {
            fn.environment[k] = v;
        }
    }
    return {};
}

Result<StackFunction> parse_function(const std::string& name, const YAML::Node& node,
                                     const fs::path& base_dir, const VarLookup& vars,
                                     bool substitute) {
    const std::string where = "function " + name;
    if (!openfaas::valid_dns_label(name)) {
        return stack_error(where + ": the name must be lower-case letters, digits and '-' "
                                   "(a DNS label of at most 63 characters)");
    }
    if (!node.IsMap()) {
        return stack_error(where + ": must be a map of settings");
    }
    StackFunction fn;
    fn.name = name;
    if (auto st = read_settings(fn, node, where); !st) {
        return st.error();
    }
    // Build settings (skip_build, build_args, build_options, build_secrets, platforms) are
    // accepted and unused: the local back end runs fprocess and builds no images.
    if (fn.image.empty()) {
        return stack_error(where + ": image is required");
    }
    if (fn.fprocess.empty()) {
        return stack_error(where + ": fprocess is required (the command the watchdog runs; "
                                   "templates are not expanded)");
    }
    if (!fn.namespace_.empty() && !openfaas::valid_dns_label(fn.namespace_)) {
        return stack_error(where + ": namespace \"" + fn.namespace_ + "\" is not a DNS label");
    }
    if (!fn.handler.empty()) {
        std::error_code ec;
        const fs::path handler = base_dir / fn.handler;
        if (fs::is_directory(handler, ec)) {
            fn.handler_dir = fs::weakly_canonical(fs::absolute(handler), ec);
        }
    }
    if (auto st = add_env_files(fn, node, where, base_dir, vars, substitute); !st) {
        return st.error();
    }
    return fn;
}

}  // namespace

VarLookup process_vars() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
        if (v == nullptr) {
            return std::nullopt;
        }
        return std::string(v);
    };
}

Result<std::string> substitute_vars(std::string_view text, const VarLookup& vars) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 >= text.size()) {
            out.push_back(text[i]);
            continue;
        }
        if (text[i + 1] == '$') {
            out.push_back('$');
            ++i;
            continue;
        }
        if (text[i + 1] != '{') {
            out.push_back('$');
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            return make_error(errc::bad_request, "unclosed ${ in \"" +
                                                     std::string(text.substr(i, 40)) + "\"");
        }
        const std::string_view expr = text.substr(i + 2, close - i - 2);
        std::string_view name = expr;
        std::optional<std::string_view> fallback;
        bool empty_counts_as_unset = false;
        if (const auto op = expr.find(":-"); op != std::string_view::npos) {
            name = expr.substr(0, op);
            fallback = expr.substr(op + 2);
            empty_counts_as_unset = true;
        } else if (const auto dash = expr.find('-'); dash != std::string_view::npos) {
            name = expr.substr(0, dash);
            fallback = expr.substr(dash + 1);
        }
        if (name.empty()) {
            return make_error(errc::bad_request,
                              "empty variable name in ${" + std::string(expr) + "}");
        }
        const auto value = vars(name);
        if (value && !(empty_counts_as_unset && value->empty())) {
            out += *value;
        } else if (fallback) {
            out += *fallback;
        }
        i = close;
    }
    return out;
}

Result<Stack> parse_stack(std::string_view text, const fs::path& base_dir, const VarLookup& vars,
                          bool substitute) {
    std::string body(text);
    if (substitute) {
        auto s = substitute_vars(body, vars);
        if (!s) {
            return s.error();
        }
        body = std::move(*s);
    }
    YAML::Node doc;
    try {
        doc = YAML::Load(body);
    } catch (const YAML::Exception& e) {
        return stack_error("line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!doc.IsMap()) {
        return stack_error("not a stack file: expected a map with version, provider and functions");
    }
    Stack stack;
    try {
        FAAS_TRY_ASSIGN(stack.version, scalar(doc["version"], "version"));
        if (!stack.version.empty() && stack.version != "1.0") {
            return stack_error("version \"" + stack.version + "\" is not supported (want 1.0)");
        }
        const YAML::Node provider = doc["provider"];
        if (provider && !provider.IsMap()) {
            return stack_error("provider must be a map with name: openfaas");
        }
        if (provider) {
            FAAS_TRY_ASSIGN(stack.provider_name, scalar(provider["name"], "provider.name"));
            FAAS_TRY_ASSIGN(stack.gateway, scalar(provider["gateway"], "provider.gateway"));
        }
        if (stack.provider_name != "openfaas") {
            return stack_error(R"(provider.name must be "openfaas", found ")" +
                               stack.provider_name + "\"");
        }
        const YAML::Node functions = doc["functions"];
        if (!functions || functions.IsNull() || (functions.IsMap() && functions.size() == 0)) {
            return stack_error("no functions in the stack (functions: is empty)");
        }
        if (!functions.IsMap()) {
            return stack_error("functions must be a map of function names to settings");
        }
        for (const auto& kv : functions) {
            auto fn = parse_function(kv.first.Scalar(), kv.second, base_dir, vars, substitute);
            if (!fn) {
                return fn.error();
            }
            stack.functions.push_back(std::move(*fn));
        }
    } catch (const YAML::Exception& e) {
        return stack_error("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    return stack;
}

#undef FAAS_TRY_ASSIGN

Result<Stack> load_stack(const fs::path& path, const VarLookup& vars, bool substitute) {
    auto text = read_text(path);
    if (!text) {
        return text.error();
    }
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec);
    auto stack = parse_stack(*text, abs.parent_path(), vars, substitute);
    if (!stack) {
        return make_error(errc::bad_request, path.string() + ": " + stack.error().what());
    }
    return stack;
}

openfaas::FunctionDeployment to_deployment(const StackFunction& fn,
                                           const DeployOverrides& overrides) {
    openfaas::FunctionDeployment d;
    d.service = fn.name;
    d.image = fn.image;
    d.namespace_ = overrides.namespace_.empty() ? fn.namespace_ : overrides.namespace_;
    d.env_process = fn.fprocess;
    openfaas::StringMap env = fn.environment;
    for (const auto& [k, v] : overrides.env) {
        env[k] = v;
    }
    if (!env.empty()) {
        d.env_vars = std::move(env);
    }
    d.constraints = overrides.constraints.empty() ? fn.constraints : overrides.constraints;
    d.secrets = fn.secrets;
    for (const auto& s : overrides.secrets) {
        if (std::find(d.secrets.begin(), d.secrets.end(), s) == d.secrets.end()) {
            d.secrets.push_back(s);
        }
    }
    openfaas::StringMap labels = fn.labels;
    for (const auto& [k, v] : overrides.labels) {
        labels[k] = v;
    }
    d.labels = std::move(labels);
    openfaas::StringMap annotations = fn.annotations;
    if (!fn.handler_dir.empty()) {
        annotations[std::string(kWorkdirAnnotation)] = fn.handler_dir.string();
    }
    for (const auto& [k, v] : overrides.annotations) {
        annotations[k] = v;
    }
    d.annotations = std::move(annotations);
    auto resources = [](const StackResources& r) -> std::optional<openfaas::FunctionResources> {
        if (r.memory.empty() && r.cpu.empty()) {
            return std::nullopt;
        }
        openfaas::FunctionResources out;
        out.memory = r.memory;
        out.cpu = r.cpu;
        return out;
    };
    d.limits = resources(fn.limits);
    d.requests = resources(fn.requests);
    d.read_only_root_filesystem = fn.readonly_root_filesystem;
    return d;
}

}  // namespace faas::cli
