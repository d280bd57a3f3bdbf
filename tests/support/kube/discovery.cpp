// Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) built from the resource
// table, and /version as the captured v1.32.6 server answers.
#include <openssl/sha.h>

#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

// The apiserver's storageVersionHash: base64 of the first 8 bytes of
// sha256("<group>/<version>/<kind>").
std::string storage_version_hash(const ResourceInfo& r) {
    const std::string input = std::string(r.gvr.group) + "/" + std::string(r.gvr.version) + "/" +
                              std::string(r.kind);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    return text::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), 8));
}

Value strings(std::initializer_list<std::string_view> items) {
    Value out = Value::array();
    for (auto s : items) {
        out.push_back(s);
    }
    return out;
}

Value subresource(const ResourceInfo& r,
                  std::string_view sub,
                  std::string_view kind,
                  Value verbs,
                  std::string_view group = {},
                  std::string_view version = {}) {
    Value e = Value::object();
    e["name"] = std::string(r.gvr.resource) + "/" + std::string(sub);
    e["singularName"] = "";
    e["namespaced"] = r.namespaced;
    if (!group.empty()) {
        e["group"] = group;
        e["version"] = version;
    }
    e["kind"] = kind;
    e["verbs"] = std::move(verbs);
    return e;
}

void add_resource(Value& list, const ResourceInfo& r) {
    Value e = Value::object();
    e["name"] = r.gvr.resource;
    e["singularName"] = r.singular;
    e["namespaced"] = r.namespaced;
    e["kind"] = r.kind;
    e["verbs"] = r.gvr == gvr::kNamespaces
                     ? strings({"create", "delete", "get", "list", "patch", "update", "watch"})
                     : strings({"create", "delete", "deletecollection", "get", "list", "patch",
                                "update", "watch"});
    if (!r.short_name.empty()) {
        e["shortNames"] = strings({r.short_name});
    }
    const auto& g = r.gvr;
    if (g == gvr::kPods || g == gvr::kServices || g == gvr::kDeployments ||
        g == gvr::kReplicaSets || g == gvr::kStatefulSets) {
        e["categories"] = strings({"all"});
    }
    e["storageVersionHash"] = storage_version_hash(r);
    list.push_back(std::move(e));
    if (g == gvr::kPods) {
        list.push_back(subresource(r, "log", "Pod", strings({"get"})));
    }
    if (r.has_scale) {
        list.push_back(subresource(r, "scale", "Scale", strings({"get", "patch", "update"}),
                                   "autoscaling", "v1"));
    }
    if (r.has_status) {
        list.push_back(subresource(r, "status", r.kind, strings({"get", "patch", "update"})));
    }
    if (g == gvr::kServiceAccounts) {
        list.push_back(subresource(r, "token", "TokenRequest", strings({"create"}),
                                   "authentication.k8s.io", "v1"));
    }
}

Value resource_list(std::string_view group, std::string_view version) {
    Value out = Value::object();
    out["kind"] = "APIResourceList";
    out["apiVersion"] = "v1";
    out["groupVersion"] = group.empty() ? std::string(version)
                                        : std::string(group) + "/" + std::string(version);
    Value& list = out["resources"] = Value::array();
    for (const auto& r : resources()) {
        if (r.gvr.group == group && r.gvr.version == version) {
            add_resource(list, r);
        }
    }
    return out;
}

Value group_list() {
    Value out = Value::object();
    out["kind"] = "APIGroupList";
    out["apiVersion"] = "v1";
    Value& groups = out["groups"] = Value::array();
    std::vector<std::string_view> seen;
    for (const auto& r : resources()) {
        if (r.gvr.group.empty() ||
            std::find(seen.begin(), seen.end(), r.gvr.group) != seen.end()) {
            continue;
        }
        seen.push_back(r.gvr.group);
        Value version = Value::object();
        version["groupVersion"] = r.gvr.api_version();
        version["version"] = r.gvr.version;
        Value g = Value::object();
        g["name"] = r.gvr.group;
        g["versions"] = Value::Array{version};
        g["preferredVersion"] = version;
        groups.push_back(std::move(g));
    }
    return out;
}

Value version_info() {
    Value v = Value::object();
    v["major"] = "1";
    v["minor"] = "32";
    v["gitVersion"] = "v1.32.6";
    v["gitCommit"] = "e52b13b59e910bfa409eaa1e5280c4160b687bf8";
    v["gitTreeState"] = "clean";
    v["buildDate"] = "2025-07-21T00:00:00Z";
    v["goVersion"] = "go1.23.5";
    v["compiler"] = "gc";
    v["platform"] = "linux/amd64";
    return v;
}

}  // namespace

std::optional<Reply> discovery(const State& state, std::string_view path) {
    if (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    if (path == "/version") {
        return Reply{200, version_info(), {}};
    }
    if (path == "/api") {
        Value out = Value::object();
        out["kind"] = "APIVersions";
        out["versions"] = strings({"v1"});
        Value cidr = Value::object();
        cidr["clientCIDR"] = "0.0.0.0/0";
        cidr["serverAddress"] = state.options.address + ":" + std::to_string(state.port);
        out["serverAddressByClientCIDRs"] = Value::Array{cidr};
        return Reply{200, std::move(out), {}};
    }
    if (path == "/apis") {
        return Reply{200, group_list(), {}};
    }
    if (path == "/api/v1") {
        return Reply{200, resource_list("", "v1"), {}};
    }
    constexpr std::string_view kApis = "/apis/";
    if (path.starts_with(kApis)) {
        const auto rest = path.substr(kApis.size());
        const auto slash = rest.find('/');
        if (slash != std::string_view::npos &&
            rest.find('/', slash + 1) == std::string_view::npos) {
            const auto group = rest.substr(0, slash);
            const auto version = rest.substr(slash + 1);
            const bool served = std::any_of(resources().begin(), resources().end(),
                                            [&](const ResourceInfo& r) {
                                                return r.gvr.group == group &&
                                                       r.gvr.version == version;
                                            });
            if (served) {
                return Reply{200, resource_list(group, version), {}};
            }
        }
    }
    return std::nullopt;
}

}  // namespace faas::test::kube
