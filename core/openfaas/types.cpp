// The OpenFaaS wire structs read from JSON (parse_*).
#include "core/openfaas/types.hpp"

#include "core/openfaas/json_reader.hpp"
#include "core/text/text.hpp"

namespace faas::openfaas {
namespace {

using detail::bad;
using detail::element;
using detail::object;
using detail::parse_array;
using detail::parse_object;
using detail::parse_object_array;
using detail::Reader;

// Chains Status-returning reads, stopping at the first error.
#define FAAS_TRY(expr)              \
    do {                            \
        if (auto st_ = (expr); !st_) { \
            return st_;             \
        }                           \
    } while (false)

Status fill_deployment(const Reader& r, FunctionDeployment& d) {
    FAAS_TRY(r.string("service", d.service));
    FAAS_TRY(r.string("image", d.image));
    FAAS_TRY(r.string("namespace", d.namespace_));
    FAAS_TRY(r.string("envProcess", d.env_process));
    FAAS_TRY(r.map("envVars", d.env_vars));
    if (d.env_vars && d.env_vars->empty()) {
        d.env_vars.reset();
    }
    FAAS_TRY(r.strings("constraints", d.constraints));
    FAAS_TRY(r.strings("secrets", d.secrets));
    FAAS_TRY(r.map("labels", d.labels));
    FAAS_TRY(r.map("annotations", d.annotations));
    FAAS_TRY(r.resources("limits", d.limits));
    FAAS_TRY(r.resources("requests", d.requests));
    FAAS_TRY(r.boolean("readOnlyRootFilesystem", d.read_only_root_filesystem));
    std::string ignored;
    FAAS_TRY(r.string("registryAuth", ignored));
    FAAS_TRY(r.string("network", ignored));
    return {};
}

Status fill_status(const Reader& r, FunctionStatus& s) {
    FAAS_TRY(r.string("name", s.name));
    FAAS_TRY(r.string("image", s.image));
    FAAS_TRY(r.string("namespace", s.namespace_));
    FAAS_TRY(r.string("envProcess", s.env_process));
    FAAS_TRY(r.map("envVars", s.env_vars));
    FAAS_TRY(r.strings("constraints", s.constraints));
    FAAS_TRY(r.strings("secrets", s.secrets));
    std::optional<StringMap> labels;
    std::optional<StringMap> annotations;
    FAAS_TRY(r.map("labels", labels));
    FAAS_TRY(r.map("annotations", annotations));
    s.labels = labels.value_or(StringMap{});
    s.annotations = annotations.value_or(StringMap{});
    FAAS_TRY(r.resources("limits", s.limits));
    FAAS_TRY(r.resources("requests", s.requests));
    FAAS_TRY(r.boolean("readOnlyRootFilesystem", s.read_only_root_filesystem));
    FAAS_TRY(r.number("invocationCount", s.invocation_count));
    FAAS_TRY(r.uint("replicas", s.replicas));
    FAAS_TRY(r.uint("availableReplicas", s.available_replicas));
    FAAS_TRY(r.string("createdAt", s.created_at));
    if (auto u = r.find("usage")) {
        object uo;
        if (u->get_object().get(uo) == simdjson::SUCCESS) {
            FunctionUsage usage;
            Reader ur(uo);
            FAAS_TRY(ur.number("cpu", usage.cpu));
            FAAS_TRY(ur.number("totalMemoryBytes", usage.total_memory_bytes));
            s.usage = usage;
        }
    }
    return {};
}

Status fill_secret(const Reader& r, Secret& s) {
    FAAS_TRY(r.string("name", s.name));
    FAAS_TRY(r.string("namespace", s.namespace_));
    FAAS_TRY(r.string("value", s.value));
    std::string raw;
    FAAS_TRY(r.string("rawValue", raw));
    if (!raw.empty()) {
        auto decoded = text::base64_decode(raw);
        if (!decoded) {
            return bad("illegal base64 data in field rawValue");
        }
        s.raw_value = std::move(*decoded);
    }
    return {};
}

}  // namespace

Result<FunctionDeployment> parse_deployment(std::string_view json) {
    return parse_object<FunctionDeployment>(json, "FunctionDeployment", fill_deployment);
}

Result<FunctionStatus> parse_status(std::string_view json) {
    return parse_object<FunctionStatus>(json, "FunctionStatus", fill_status);
}

Result<std::vector<FunctionStatus>> parse_status_list(std::string_view json) {
    return parse_object_array<FunctionStatus>(json, "function list", fill_status);
}

Result<ScaleServiceRequest> parse_scale(std::string_view json) {
    return parse_object<ScaleServiceRequest>(
        json, "ScaleServiceRequest", [](const Reader& r, ScaleServiceRequest& s) -> Status {
            FAAS_TRY(r.string("serviceName", s.service_name));
            FAAS_TRY(r.uint("replicas", s.replicas));
            FAAS_TRY(r.string("namespace", s.namespace_));
            return {};
        });
}

Result<DeleteFunctionRequest> parse_delete(std::string_view json) {
    return parse_object<DeleteFunctionRequest>(
        json, "DeleteFunctionRequest", [](const Reader& r, DeleteFunctionRequest& d) -> Status {
            FAAS_TRY(r.string("functionName", d.function_name));
            FAAS_TRY(r.string("namespace", d.namespace_));
            return {};
        });
}

Result<Secret> parse_secret(std::string_view json) {
    return parse_object<Secret>(json, "Secret", fill_secret);
}

Result<std::vector<Secret>> parse_secret_list(std::string_view json) {
    return parse_object_array<Secret>(json, "secret list", fill_secret);
}

Result<ProviderInfo> parse_provider_info(std::string_view json) {
    return parse_object<ProviderInfo>(
        json, "ProviderInfo", [](const Reader& r, ProviderInfo& i) -> Status {
            FAAS_TRY(r.string("provider", i.provider));
            FAAS_TRY(r.string("orchestration", i.orchestration));
            if (auto v = r.find("version")) {
                object vo;
                if (v->get_object().get(vo) == simdjson::SUCCESS) {
                    Reader vr(vo);
                    FAAS_TRY(vr.string("sha", i.sha));
                    FAAS_TRY(vr.string("release", i.release));
                }
            }
            return {};
        });
}

Result<FunctionNamespace> parse_namespace(std::string_view json) {
    return parse_object<FunctionNamespace>(
        json, "FunctionNamespace", [](const Reader& r, FunctionNamespace& n) -> Status {
            FAAS_TRY(r.string("name", n.name));
            FAAS_TRY(r.map("labels", n.labels));
            FAAS_TRY(r.map("annotations", n.annotations));
            return {};
        });
}

Result<std::vector<std::string>> parse_string_list(std::string_view json) {
    return parse_array<std::string>(json, "string list", [](element e) -> Result<std::string> {
        std::string_view s;
        if (e.get_string().get(s) != simdjson::SUCCESS) {
            return bad("invalid string list JSON: expected strings");
        }
        return std::string(s);
    });
}

#undef FAAS_TRY

}  // namespace faas::openfaas
