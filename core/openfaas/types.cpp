#include "core/openfaas/types.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "core/text/text.hpp"

namespace faas::openfaas {
namespace {

bool rfc3339_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Error bad(std::string message) { return make_error(errc::bad_request, std::move(message)); }

const char* type_name(element_type t) {
    switch (t) {
        case element_type::ARRAY: return "array";
        case element_type::OBJECT: return "object";
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE: return "number";
        case element_type::STRING: return "string";
        case element_type::BOOL: return "boolean";
        case element_type::NULL_VALUE: return "null";
    }
    return "value";
}

// Readers: a missing key or null leaves the target as it is; a wrong type is an error naming
// the key, as Go's decoder reports it.
class Reader {
public:
    explicit Reader(object obj) : obj_(obj) {}

    std::optional<element> find(std::string_view key) const {
        element e;
        if (obj_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) {
            return std::nullopt;
        }
        return e;
    }

    Status string(std::string_view key, std::string& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        std::string_view s;
        if (e->get_string().get(s) != simdjson::SUCCESS) {
            return mismatch(key, *e, "string");
        }
        out.assign(s);
        return {};
    }

    Status boolean(std::string_view key, bool& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        if (e->get_bool().get(out) != simdjson::SUCCESS) {
            return mismatch(key, *e, "bool");
        }
        return {};
    }

    Status uint(std::string_view key, std::uint64_t& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        if (e->get_uint64().get(out) != simdjson::SUCCESS) {
            return mismatch(key, *e, "uint64");
        }
        return {};
    }

    Status number(std::string_view key, double& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        if (e->is_int64()) {
            out = static_cast<double>(e->get_int64().value_unsafe());
        } else if (e->is_uint64()) {
            out = static_cast<double>(e->get_uint64().value_unsafe());
        } else if (e->get_double().get(out) != simdjson::SUCCESS) {
            return mismatch(key, *e, "float64");
        }
        return {};
    }

    Status strings(std::string_view key, std::vector<std::string>& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        simdjson::dom::array arr;
        if (e->get_array().get(arr) != simdjson::SUCCESS) {
            return mismatch(key, *e, "[]string");
        }
        out.clear();
        for (element item : arr) {
            std::string_view s;
            if (item.get_string().get(s) != simdjson::SUCCESS) {
                return mismatch(key, item, "string");
            }
            out.emplace_back(s);
        }
        return {};
    }

    // `present` tells a null/missing map (nullopt) from an empty one.
    Status map(std::string_view key, std::optional<StringMap>& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        object o;
        if (e->get_object().get(o) != simdjson::SUCCESS) {
            return mismatch(key, *e, "map[string]string");
        }
        StringMap m;
        for (auto field : o) {
            std::string_view v;
            if (field.value.get_string().get(v) != simdjson::SUCCESS) {
                return bad(fmt::format("json: cannot unmarshal {} into field {}.{} of type string",
                                       type_name(field.value.type()), key, field.key));
            }
            m.insert_or_assign(std::string(field.key), std::string(v));
        }
        out = std::move(m);
        return {};
    }

    Status resources(std::string_view key, std::optional<FunctionResources>& out) const {
        std::optional<StringMap> m;
        if (auto st = map(key, m); !st) {
            return st;
        }
        if (!m) {
            return {};
        }
        FunctionResources r;
        for (auto& [k, v] : *m) {
            if (v.empty()) {
                continue;
            }
            if (k == "memory") {
                r.memory = v;
            } else if (k == "cpu") {
                r.cpu = v;
            } else {
                r.other.emplace(k, v);
            }
        }
        if (!r.empty()) {
            out = std::move(r);
        }
        return {};
    }

private:
    static Status mismatch(std::string_view key, const element& e, std::string_view want) {
        return bad(fmt::format("json: cannot unmarshal {} into field {} of type {}",
                               type_name(e.type()), key, want));
    }
    object obj_;
};

// Parses `text` and hands its root object to `fill`.
template <class T, class Fill>
Result<T> parse_object(std::string_view text, std::string_view what, Fill fill) {
    auto doc = json::parse(text);
    if (!doc) {
        return bad(fmt::format("invalid {} JSON: {}", what, doc.error().what()));
    }
    object obj;
    if (doc->root().get_object().get(obj) != simdjson::SUCCESS) {
        return bad(fmt::format("invalid {} JSON: expected an object, got {}", what,
                               type_name(doc->root().type())));
    }
    T out;
    if (auto st = fill(Reader(obj), out); !st) {
        return bad(fmt::format("invalid {} JSON: {}", what, st.error().what()));
    }
    return out;
}

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

void write_map(json::Writer& w, const StringMap& m) {
    w.begin_object();
    for (const auto& [k, v] : m) {
        w.key(k).value(v);
    }
    w.end_object();
}

void write_strings(json::Writer& w, std::string_view key, const std::vector<std::string>& v) {
    if (v.empty()) {
        return;
    }
    w.key(key).begin_array();
    for (const auto& s : v) {
        w.value(s);
    }
    w.end_array();
}

void write_resources(json::Writer& w, std::string_view key,
                     const std::optional<FunctionResources>& r) {
    if (!r || r->empty()) {
        return;
    }
    w.key(key).begin_object();
    if (!r->memory.empty()) {
        w.key("memory").value(r->memory);
    }
    if (!r->cpu.empty()) {
        w.key("cpu").value(r->cpu);
    }
    for (const auto& [k, v] : r->other) {
        w.key(k).value(v);
    }
    w.end_object();
}

void write_optional_string(json::Writer& w, std::string_view key, const std::string& v) {
    if (!v.empty()) {
        w.key(key).value(v);
    }
}

template <class T, class Parse>
Result<std::vector<T>> parse_array(std::string_view text, std::string_view what, Parse each) {
    auto doc = json::parse(text);
    if (!doc) {
        return bad(fmt::format("invalid {} JSON: {}", what, doc.error().what()));
    }
    if (doc->root().is_null()) {
        return std::vector<T>{};
    }
    simdjson::dom::array arr;
    if (doc->root().get_array().get(arr) != simdjson::SUCCESS) {
        return bad(fmt::format("invalid {} JSON: expected an array", what));
    }
    std::vector<T> out;
    for (element item : arr) {
        auto r = each(item);
        if (!r) {
            return r.error();
        }
        out.push_back(std::move(r.value()));
    }
    return out;
}

// An array of objects, each read by `fill` as parse_object reads one.
template <class T, class Fill>
Result<std::vector<T>> parse_object_array(std::string_view text, std::string_view what, Fill fill) {
    return parse_array<T>(text, what, [&](element e) -> Result<T> {
        object o;
        if (e.get_object().get(o) != simdjson::SUCCESS) {
            return bad(fmt::format("invalid {} JSON: expected objects", what));
        }
        T out;
        if (auto st = fill(Reader(o), out); !st) {
            return st.error();
        }
        return out;
    });
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

void write(json::Writer& w, const FunctionDeployment& d) {
    w.begin_object();
    w.key("service").value(d.service);
    w.key("image").value(d.image);
    write_optional_string(w, "namespace", d.namespace_);
    write_optional_string(w, "envProcess", d.env_process);
    if (d.env_vars && !d.env_vars->empty()) {
        w.key("envVars");
        write_map(w, *d.env_vars);
    }
    write_strings(w, "constraints", d.constraints);
    write_strings(w, "secrets", d.secrets);
    w.key("labels");
    d.labels ? write_map(w, *d.labels) : void(w.null());
    w.key("annotations");
    d.annotations ? write_map(w, *d.annotations) : void(w.null());
    write_resources(w, "limits", d.limits);
    write_resources(w, "requests", d.requests);
    if (d.read_only_root_filesystem) {
        w.key("readOnlyRootFilesystem").value(true);
    }
    w.end_object();
}

void write(json::Writer& w, const FunctionStatus& s) {
    w.begin_object();
    w.key("name").value(s.name);
    w.key("image").value(s.image);
    w.key("invocationCount").value(s.invocation_count);
    if (s.replicas != 0) {
        w.key("replicas").value(s.replicas);
    }
    if (s.available_replicas != 0) {
        w.key("availableReplicas").value(s.available_replicas);
    }
    write_optional_string(w, "envProcess", s.env_process);
    if (s.env_vars && !s.env_vars->empty()) {
        w.key("envVars");
        write_map(w, *s.env_vars);
    }
    write_strings(w, "constraints", s.constraints);
    write_strings(w, "secrets", s.secrets);
    w.key("labels");
    write_map(w, s.labels);
    w.key("annotations");
    write_map(w, s.annotations);
    write_resources(w, "limits", s.limits);
    write_resources(w, "requests", s.requests);
    if (s.read_only_root_filesystem) {
        w.key("readOnlyRootFilesystem").value(true);
    }
    write_optional_string(w, "namespace", s.namespace_);
    w.key("createdAt").value(s.created_at);
    if (s.usage) {
        w.key("usage").begin_object();
        w.key("cpu").value(s.usage->cpu);
        w.key("totalMemoryBytes").value(s.usage->total_memory_bytes);
        w.end_object();
    }
    w.end_object();
}

void write(json::Writer& w, const ScaleServiceRequest& r) {
    w.begin_object();
    w.key("serviceName").value(r.service_name);
    w.key("replicas").value(r.replicas);
    write_optional_string(w, "namespace", r.namespace_);
    w.end_object();
}

void write(json::Writer& w, const DeleteFunctionRequest& r) {
    w.begin_object();
    w.key("functionName").value(r.function_name);
    write_optional_string(w, "namespace", r.namespace_);
    w.end_object();
}

void write(json::Writer& w, const Secret& s, bool with_values) {
    w.begin_object();
    w.key("name").value(s.name);
    write_optional_string(w, "namespace", s.namespace_);
    if (with_values) {
        write_optional_string(w, "value", s.value);
        if (!s.raw_value.empty()) {
            w.key("rawValue").base64(s.raw_value);
        }
    }
    w.end_object();
}

void write(json::Writer& w, const ProviderInfo& i) {
    w.begin_object();
    w.key("provider").value(i.provider);
    w.key("orchestration").value(i.orchestration);
    w.key("version").begin_object();
    w.key("sha").value(i.sha);
    w.key("release").value(i.release);
    w.end_object();
    w.end_object();
}

void write(json::Writer& w, const FunctionNamespace& n) {
    w.begin_object();
    w.key("name").value(n.name);
    if (n.annotations) {
        w.key("annotations");
        write_map(w, *n.annotations);
    }
    if (n.labels) {
        w.key("labels");
        write_map(w, *n.labels);
    }
    w.end_object();
}

std::string to_json(const std::vector<FunctionStatus>& list) {
    json::Writer w;
    w.begin_array();
    for (const auto& s : list) {
        write(w, s);
    }
    w.end_array();
    return std::move(w).str();
}

std::string to_json(const std::vector<std::string>& list) {
    json::Writer w;
    w.begin_array();
    for (const auto& s : list) {
        w.value(s);
    }
    w.end_array();
    return std::move(w).str();
}

std::string to_json(const std::vector<Secret>& list) {
    json::Writer w;
    w.begin_array();
    for (const auto& s : list) {
        write(w, s, false);
    }
    w.end_array();
    return std::move(w).str();
}

FunctionStatus status_from(const FunctionDeployment& d) {
    FunctionStatus s;
    s.name = d.service;
    s.image = d.image;
    s.namespace_ = d.namespace_;
    s.env_process = d.env_process;
    s.env_vars = d.env_vars;
    s.constraints = d.constraints;
    s.secrets = d.secrets;
    s.labels = d.labels.value_or(StringMap{});
    s.labels.insert_or_assign("faas_function", d.service);
    s.annotations = d.annotations.value_or(StringMap{});
    s.limits = d.limits;
    s.requests = d.requests;
    s.read_only_root_filesystem = d.read_only_root_filesystem;
    return s;
}

QualifiedName split_name(std::string_view name, std::string_view default_namespace) {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) {
        return {std::string(name), std::string(default_namespace)};
    }
    return {std::string(name.substr(0, dot)), std::string(name.substr(dot + 1))};
}

bool valid_route_name(std::string_view name) noexcept {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool valid_dns_label(std::string_view name) noexcept {
    if (name.empty() || name.size() > 63) {
        return false;
    }
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(name.front()) || !alnum(name.back())) {
        return false;
    }
    for (char c : name) {
        if (!alnum(c) && c != '-') {
            return false;
        }
    }
    return true;
}

std::string rfc3339(std::chrono::system_clock::time_point when) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(when);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(when - secs).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:09d}Z", buf, nanos);
}

std::string rfc3339_now() {
    return rfc3339(std::chrono::system_clock::now());
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int sec = 0;
    if (!rfc3339_digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' ||
        !rfc3339_digits(s, 5, 2, mo) || s[7] != '-' || !rfc3339_digits(s, 8, 2, d) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !rfc3339_digits(s, 11, 2, h) ||
        s[13] != ':' || !rfc3339_digits(s, 14, 2, mi) || s[16] != ':' ||
        !rfc3339_digits(s, 17, 2, sec)) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 9) {
                nanos = nanos * 10 + (s[pos] - '0');
                ++n;
            }
            ++pos;
        }
        if (n == 0) {
            return std::nullopt;
        }
        for (; n < 9; ++n) {
            nanos *= 10;
        }
    }
    int offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh = 0;
        int om = 0;
        if (!rfc3339_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !rfc3339_digits(s, pos + 4, 2, om)) {
            return std::nullopt;
        }
        offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    const std::time_t t = ::timegm(&tm) - offset;
    return std::chrono::system_clock::from_time_t(t) + std::chrono::nanoseconds(nanos);
}

}  // namespace faas::openfaas
