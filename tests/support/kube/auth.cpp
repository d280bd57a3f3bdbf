// Authentication (bearer tokens: the admin's, or a ServiceAccount's issued by TokenRequest; no
// credentials = system:anonymous, an unknown token = 401) and RBAC authorization evaluated from
// the stored Roles, ClusterRoles and their bindings, with the real server's 403 wording.
#include <string>

#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

bool contains(const Value* list, std::string_view item) {
    if (list == nullptr) {
        return false;
    }
    const auto& items = list->items();
    return std::any_of(items.begin(), items.end(),
                       [item](const Value& v) { return v.as_string() == item; });
}

bool subject_matches(const Value& subject, const User& user) {
    const std::string kind = subject.string_at({"kind"});
    const std::string name = subject.string_at({"name"});
    if (kind == "ServiceAccount") {
        return user.name ==
               "system:serviceaccount:" + subject.string_at({"namespace"}) + ":" + name;
    }
    if (kind == "User") {
        return user.name == name;
    }
    if (kind == "Group") {
        return std::find(user.groups.begin(), user.groups.end(), name) != user.groups.end();
    }
    return false;
}

bool bound(const Value& binding, const User& user) {
    const Value* subjects = binding.find("subjects");
    if (subjects == nullptr) {
        return false;
    }
    const auto& items = subjects->items();
    return std::any_of(items.begin(), items.end(),
                       [&user](const Value& s) { return subject_matches(s, user); });
}

bool rule_allows(const Value& rule, const ApiRequest& req) {
    const auto& g = req.resource->gvr;
    std::string resource(g.resource);
    if (!req.subresource.empty()) {
        resource += "/" + req.subresource;
    }
    const Value* verbs = rule.find("verbs");
    const Value* groups = rule.find("apiGroups");
    const Value* resources_list = rule.find("resources");
    const Value* names = rule.find("resourceNames");
    return (contains(verbs, req.verb) || contains(verbs, "*")) &&
           (contains(groups, g.group) || contains(groups, "*")) &&
           (contains(resources_list, resource) || contains(resources_list, "*")) &&
           (names == nullptr || names->empty() ||
            (!req.name.empty() && contains(names, req.name)));
}

bool role_allows(const State& state,
                 const Value& role_ref,
                 std::string_view ns,
                 const ApiRequest& req) {
    const std::string kind = role_ref.string_at({"kind"});
    const std::string name = role_ref.string_at({"name"});
    const Value* role = kind == "ClusterRole" ? state.store.get(gvr::kClusterRoles, "", name)
                                              : state.store.get(gvr::kRoles, ns, name);
    if (role == nullptr) {
        return false;
    }
    const auto& rules = role->find("rules") ? role->find("rules")->items() : Value::Array{};
    return std::any_of(rules.begin(), rules.end(),
                       [&req](const Value& r) { return rule_allows(r, req); });
}

bool rbac_allows(const State& state, const ApiRequest& req) {
    for (const auto& binding : state.store.list(gvr::kClusterRoleBindings, "")) {
        const Value* ref = binding.find("roleRef");
        if (ref != nullptr && bound(binding, req.user) && role_allows(state, *ref, "", req)) {
            return true;
        }
    }
    if (req.ns.empty()) {
        return false;
    }
    for (const auto& binding : state.store.list(gvr::kRoleBindings, req.ns)) {
        const Value* ref = binding.find("roleRef");
        if (ref != nullptr && bound(binding, req.user) &&
            role_allows(state, *ref, req.ns, req)) {
            return true;
        }
    }
    return false;
}

ApiError forbidden(const ApiRequest& req) {
    const auto& g = req.resource->gvr;
    std::string qualified(g.resource);
    if (!g.group.empty()) {
        qualified += "." + std::string(g.group);
    }
    if (!req.name.empty()) {
        qualified += " \"" + req.name + "\"";
    }
    std::string resource(g.resource);
    if (!req.subresource.empty()) {
        resource += "/" + req.subresource;
    }
    ApiError e;
    e.code = 403;
    e.reason = "Forbidden";
    e.message = qualified + " is forbidden: User \"" + req.user.name + "\" cannot " + req.verb +
                " resource \"" + resource + "\" in API group \"" + std::string(g.group) + "\" " +
                (req.ns.empty() ? "at the cluster scope" : "in the namespace \"" + req.ns + "\"");
    e.details = Value::object();
    if (!req.name.empty()) {
        e.details["name"] = req.name;
    }
    if (!g.group.empty()) {
        e.details["group"] = g.group;
    }
    e.details["kind"] = g.resource;
    return e;
}

}  // namespace

ApiResult<User> authenticate(const State& state, const http::Exchange& ex) {
    const auto header = ex.header("Authorization");
    if (!header) {
        return User{"system:anonymous", {"system:unauthenticated"}, true, false};
    }
    constexpr std::string_view kBearer = "Bearer ";
    if (header->starts_with(kBearer)) {
        auto it = state.tokens.find(std::string(header->substr(kBearer.size())));
        if (it != state.tokens.end()) {
            return it->second;
        }
    }
    ApiError e;
    e.code = 401;
    e.reason = "Unauthorized";
    e.message = "Unauthorized";
    return e;
}

std::optional<ApiError> authorize(const State& state, const ApiRequest& req) {
    if (req.user.admin || rbac_allows(state, req)) {
        return std::nullopt;
    }
    return forbidden(req);
}

std::optional<ApiError> authorize_path(const User& user, std::string_view path) {
    // What the default system:public-info-viewer and system:discovery roles allow.
    const bool public_path = path == "/version" || path == "/healthz" || path == "/livez" ||
                             path == "/readyz";
    if (public_path || !user.anonymous) {
        return std::nullopt;
    }
    ApiError e;
    e.code = 403;
    e.reason = "Forbidden";
    e.message = "forbidden: User \"" + user.name + "\" cannot get path \"" + std::string(path) +
                "\"";
    e.details = Value::object();
    return e;
}

}  // namespace faas::test::kube
