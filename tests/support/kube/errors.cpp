// The Status objects of the real server's errors (reason, message wording, details per kind).
#include <string>

#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

namespace {

// `deployments.apps "echo"` / `secrets "x"`: the qualified resource as messages name it.
std::string qualified(const Gvr& gvr, std::string_view name) {
    std::string out(gvr.resource);
    if (!gvr.group.empty()) {
        out += '.';
        out += gvr.group;
    }
    return out + " \"" + std::string(name) + "\"";
}

ApiError resource_error(int code,
                        std::string_view reason,
                        const Gvr& gvr,
                        std::string_view name,
                        std::string message) {
    ApiError e;
    e.code = code;
    e.reason = std::string(reason);
    e.message = std::move(message);
    e.details = Value::object();
    e.details["name"] = name;
    if (!gvr.group.empty()) {
        e.details["group"] = gvr.group;
    }
    e.details["kind"] = gvr.resource;
    return e;
}

}  // namespace

Value status_object(const ApiError& error) {
    Value s = Value::object();
    s["kind"] = "Status";
    s["apiVersion"] = "v1";
    s["metadata"] = Value::object();
    s["status"] = "Failure";
    s["message"] = error.message;
    if (!error.reason.empty()) {
        s["reason"] = error.reason;
    }
    if (!error.details.is_null()) {
        s["details"] = error.details;
    }
    s["code"] = error.code;
    return s;
}

ApiError not_found(const Gvr& gvr, std::string_view name) {
    return resource_error(404, "NotFound", gvr, name, qualified(gvr, name) + " not found");
}

ApiError already_exists(const Gvr& gvr, std::string_view name) {
    return resource_error(409, "AlreadyExists", gvr, name,
                          qualified(gvr, name) + " already exists");
}

ApiError conflict(const Gvr& gvr, std::string_view name) {
    return resource_error(409, "Conflict", gvr, name,
                          "Operation cannot be fulfilled on " + qualified(gvr, name) +
                              ": the object has been modified; please apply your changes to "
                              "the latest version and try again");
}

}  // namespace faas::test::kube
