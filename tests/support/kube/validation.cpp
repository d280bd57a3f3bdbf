// Validation answered as 422 Invalid with every cause at once: object names by kind (RFC 1123
// label for Namespaces, RFC 1035 label for Services, RFC 1123 subdomain for the rest, path
// segment for RBAC objects) and, for pod templates, container and volume names and volume
// mounts that name no volume (what 13 and 24 show). The wording is the real server's.
#include <string>

#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

constexpr std::string_view kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr std::string_view kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr std::string_view kDns1035Msg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

bool alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_label(std::string_view s) {
    if (s.empty() || !alnum(s.front()) || !alnum(s.back())) {
        return false;
    }
    for (char c : s) {
        if (!alnum(c) && c != '-') {
            return false;
        }
    }
    return true;
}

bool is_subdomain(std::string_view s) {
    std::size_t start = 0;
    while (true) {
        const auto dot = s.find('.', start);
        if (!is_label(s.substr(start, dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

void check_label(std::vector<Value>& causes, std::string_view value, std::string_view field) {
    if (value.size() > 63) {
        causes.push_back(cause("FieldValueInvalid",
                               "Invalid value: " + in_quotes(value) +
                                   ": must be no more than 63 characters",
                               field));
    } else if (!is_label(value)) {
        causes.push_back(cause("FieldValueInvalid",
                               "Invalid value: " + in_quotes(value) + ": " + std::string(kLabelMsg),
                               field));
    }
}

void check_name(const Gvr& gvr, const std::string& name, std::vector<Value>& causes) {
    const std::string field = "metadata.name";
    if (name.empty()) {
        causes.push_back(cause("FieldValueRequired",
                               "Required value: name or generateName is required", field));
        return;
    }
    if (gvr == gvr::kNamespaces) {
        check_label(causes, name, field);
    } else if (gvr == gvr::kServices) {
        const bool ok = name.size() <= 63 && is_label(name) && name.front() >= 'a';
        if (!ok) {
            causes.push_back(cause("FieldValueInvalid",
                                   "Invalid value: " + in_quotes(name) + ": " +
                                       std::string(kDns1035Msg),
                                   field));
        }
    } else if (gvr.group == "rbac.authorization.k8s.io") {
        if (name == "." || name == ".." || name.find_first_of("/%") != std::string::npos) {
            causes.push_back(cause("FieldValueInvalid",
                                   "Invalid value: " + in_quotes(name) +
                                       ": may not contain '/' or '%'",
                                   field));
        }
    } else if (name.size() > 253 || !is_subdomain(name)) {
        causes.push_back(cause("FieldValueInvalid",
                               "Invalid value: " + in_quotes(name) + ": " +
                                   std::string(kSubdomainMsg),
                               field));
    }
}

// `claims`: a StatefulSet's volumeClaimTemplates, which its containers may mount too.
void check_pod_spec(const Value& spec,
                    const std::string& path,
                    std::vector<std::string> volumes,
                    std::vector<Value>& causes) {
    const Value* vols = spec.find("volumes");
    for (std::size_t i = 0; vols != nullptr && i < vols->size(); ++i) {
        const std::string name = vols->items()[i].string_at({"name"});
        const std::size_t before = causes.size();
        check_label(causes, name, path + ".volumes[" + std::to_string(i) + "].name");
        if (causes.size() == before) {
            volumes.push_back(name);  // an invalid volume cannot be mounted: "Not found"
        }
    }
    const Value* containers = spec.find("containers");
    for (std::size_t i = 0; containers != nullptr && i < containers->size(); ++i) {
        const Value& c = containers->items()[i];
        const std::string at = path + ".containers[" + std::to_string(i) + "]";
        check_label(causes, c.string_at({"name"}), at + ".name");
        const Value* mounts = c.find("volumeMounts");
        for (std::size_t m = 0; mounts != nullptr && m < mounts->size(); ++m) {
            const std::string name = mounts->items()[m].string_at({"name"});
            if (std::find(volumes.begin(), volumes.end(), name) == volumes.end()) {
                causes.push_back(cause("FieldValueNotFound", "Not found: " + in_quotes(name),
                                       at + ".volumeMounts[" + std::to_string(m) + "].name"));
            }
        }
    }
}

}  // namespace

Value cause(std::string_view reason, std::string_view message, std::string_view field) {
    Value c = Value::object();
    c["reason"] = reason;
    c["message"] = message;
    c["field"] = field;
    return c;
}

ApiError invalid(const Gvr& gvr, std::string_view name, std::vector<Value> causes) {
    std::string kind(resource_info(gvr).kind);
    if (!gvr.group.empty()) {
        kind += "." + std::string(gvr.group);
    }
    std::string joined;
    for (const auto& c : causes) {
        joined += (joined.empty() ? "" : ", ") + c.string_at({"field"}) + ": " +
                  c.string_at({"message"});
    }
    ApiError e;
    e.code = 422;
    e.reason = "Invalid";
    e.message = kind + " " + in_quotes(name) + " is invalid: " +
                (causes.size() > 1 ? "[" + joined + "]" : joined);
    e.details = Value::object();
    e.details["name"] = name;
    if (!gvr.group.empty()) {
        e.details["group"] = gvr.group;
    }
    e.details["kind"] = resource_info(gvr).kind;
    Value list = Value::array();
    for (auto& c : causes) {
        list.push_back(std::move(c));
    }
    e.details["causes"] = std::move(list);
    return e;
}

std::optional<ApiError> validate(const Gvr& gvr, const Value& object) {
    std::vector<Value> causes;
    const std::string name = object.string_at({"metadata", "name"});
    check_name(gvr, name, causes);
    if (gvr == gvr::kDeployments || gvr == gvr::kStatefulSets || gvr == gvr::kReplicaSets) {
        std::vector<std::string> claims;
        if (const Value* templates = object.at({"spec", "volumeClaimTemplates"})) {
            for (const auto& claim : templates->items()) {
                claims.push_back(claim.string_at({"metadata", "name"}));
            }
        }
        if (const Value* spec = object.at({"spec", "template", "spec"})) {
            check_pod_spec(*spec, "spec.template.spec", std::move(claims), causes);
        }
    } else if (gvr == gvr::kPods) {
        if (const Value* spec = object.find("spec")) {
            check_pod_spec(*spec, "spec", {}, causes);
        }
    }
    if (causes.empty()) {
        return std::nullopt;
    }
    return invalid(gvr, name, std::move(causes));
}

}  // namespace faas::test::kube
