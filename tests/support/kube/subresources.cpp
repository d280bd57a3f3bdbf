// Subresources: /status (writes only the status), /scale (autoscaling/v1 Scale over a
// Deployment, ReplicaSet or StatefulSet; spec.replicas 0 is omitted, status.replicas is not)
// and serviceaccounts/<name>/token (TokenRequest: issues a bearer token for the account).
#include <random>
#include <string>

#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

Value scale_of(const Value& object) {
    Value s = Value::object();
    s["kind"] = "Scale";
    s["apiVersion"] = "autoscaling/v1";
    Value& meta = s["metadata"];
    for (auto key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
        if (const Value* v = object.at({"metadata", key})) {
            meta[key] = *v;
        }
    }
    Value& spec = s["spec"] = Value::object();
    const std::int64_t replicas = object.int_at({"spec", "replicas"}, 1);
    if (replicas != 0) {
        spec["replicas"] = replicas;
    }
    Value& status = s["status"];
    status["replicas"] = object.int_at({"status", "replicas"});
    const Value* selector = object.at({"spec", "selector"});
    const std::string text = LabelSelector::from_object(selector ? *selector : Value()).to_string();
    if (!text.empty()) {
        status["selector"] = text;
    }
    return s;
}

ApiResult<Reply> write_scale(State& state, const ApiRequest& req, const Value& current,
                             const Value& scale) {
    const std::string rv = scale.string_at({"metadata", "resourceVersion"});
    if (!rv.empty() && rv != current.string_at({"metadata", "resourceVersion"})) {
        return conflict(req.resource->gvr, req.name);
    }
    const std::string name = scale.string_at({"metadata", "name"});
    if (!name.empty() && name != req.name) {
        return bad_request("the name of the object (" + name +
                           ") does not match the name on the URL (" + req.name + ")");
    }
    Value object = current;
    object.set({"spec", "replicas"}, scale.int_at({"spec", "replicas"}));
    auto updated = state.store.update(req.resource->gvr, std::move(object));
    if (!updated) {
        return updated.error();
    }
    return Reply{200, scale_of(updated.value()), {}};
}

ApiResult<Reply> handle_scale(State& state, const ApiRequest& req, const Value& current) {
    if (req.verb == "get") {
        return Reply{200, scale_of(current), {}};
    }
    if (req.verb == "update") {
        auto body = Value::parse(req.body);
        if (!body || !body->is_object()) {
            return bad_request("Scale in version \"v1\" cannot be handled as a Scale: " +
                               (body ? std::string("not a JSON object") : body.error().what()));
        }
        return write_scale(state, req, current, body.value());
    }
    if (req.verb == "patch") {
        Value scale = scale_of(current);
        scale.erase({"metadata", "resourceVersion"});
        auto patched = apply_patch(req, scale);
        if (!patched) {
            return patched.error();
        }
        return write_scale(state, req, current, patched.value());
    }
    return method_not_allowed();
}

ApiResult<Reply> handle_status(State& state, const ApiRequest& req, const Value& current) {
    if (req.verb == "get") {
        return Reply{200, current, {}};
    }
    Value incoming;
    std::vector<std::string> warnings;
    if (req.verb == "update") {
        auto decoded = decode_body(req, req.resource->gvr);
        if (!decoded) {
            return decoded.error();
        }
        incoming = std::move(decoded->object);
        warnings = std::move(decoded->warnings);
        const std::string rv = incoming.string_at({"metadata", "resourceVersion"});
        if (!rv.empty() && rv != current.string_at({"metadata", "resourceVersion"})) {
            return conflict(req.resource->gvr, req.name);
        }
    } else if (req.verb == "patch") {
        auto patched = apply_patch(req, current);
        if (!patched) {
            return patched.error();
        }
        incoming = std::move(patched).value();
    } else {
        return method_not_allowed();
    }
    // The status strategy keeps everything but the status from the stored object.
    Value object = current;
    const Value* status = incoming.find("status");
    object["status"] = status != nullptr ? *status : Value::object();
    if (req.resource->gvr == gvr::kPods) {
        normalize_pod_status(object);
    }
    auto updated = state.store.update(req.resource->gvr, std::move(object));
    if (!updated) {
        return updated.error();
    }
    return Reply{200, std::move(updated).value(), std::move(warnings)};
}

std::string random_token() {
    std::random_device rd;
    static constexpr char kChars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (int i = 0; i < 43; ++i) {
        out += kChars[rd() % 64];
    }
    return out;
}

ApiResult<Reply> handle_token(State& state, const ApiRequest& req) {
    std::int64_t expiration = 3600;
    if (auto body = Value::parse(req.body); body && body->is_object()) {
        expiration = body->int_at({"spec", "expirationSeconds"}, 3600);
    }
    const User user{"system:serviceaccount:" + req.ns + ":" + req.name,
                    {"system:serviceaccounts", "system:serviceaccounts:" + req.ns,
                     "system:authenticated"},
                    false,
                    false};
    const std::string token = "sa." + random_token();
    state.tokens[token] = user;
    const auto now = state.store.now();
    Value out = Value::object();
    out["kind"] = "TokenRequest";
    out["apiVersion"] = "authentication.k8s.io/v1";
    Value& meta = out["metadata"];
    meta["name"] = req.name;
    meta["namespace"] = req.ns;
    meta["creationTimestamp"] = format_time(now);
    Value& spec = out["spec"];
    spec["audiences"] = Value::Array{Value("https://kubernetes.default.svc.cluster.local")};
    spec["expirationSeconds"] = expiration;
    spec["boundObjectRef"] = Value();
    Value& status = out["status"];
    status["token"] = token;
    status["expirationTimestamp"] = format_time(now + std::chrono::seconds(expiration));
    return Reply{201, std::move(out), {}};
}

}  // namespace

ApiResult<Reply> handle_subresource(State& state, const ApiRequest& req) {
    const Value* stored = state.store.get(req.resource->gvr, req.ns, req.name);
    if (stored == nullptr) {
        return not_found(req.resource->gvr, req.name);
    }
    const Value current = *stored;
    if (req.subresource == "token") {
        return handle_token(state, req);
    }
    if (req.subresource == "scale") {
        return handle_scale(state, req, current);
    }
    return handle_status(state, req, current);
}

}  // namespace faas::test::kube
