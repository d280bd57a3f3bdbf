// POST, PUT, PATCH and DELETE of whole objects, with the generic registry's rules: the URL's
// namespace and name win or must match, a PUT of a kind with a status subresource keeps the
// stored status, DELETE answers a Status or the object as each kind does.
#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"
#include "tests/support/kube/patch.hpp"

namespace faas::test::kube {

namespace {

ApiError unsupported_media() {
    ApiError e;
    e.code = 415;
    e.reason = "UnsupportedMediaType";
    e.message = "415: Unsupported Media Type";
    e.details = Value::object();
    return e;
}

std::string media_type(const std::string& content_type) {
    return std::string(text::trim(std::string_view(content_type).substr(
        0, std::min(content_type.find(';'), content_type.size()))));
}

// The URL's namespace is the object's; a different one in the body is a 400.
std::optional<ApiError> place_in_namespace(const ApiRequest& req, Value& object) {
    if (!req.resource->namespaced) {
        return std::nullopt;
    }
    Value& meta = object["metadata"];
    const std::string body_ns = meta.string_at({"namespace"});
    if (!body_ns.empty() && body_ns != req.ns) {
        return bad_request("the namespace of the provided object does not match the namespace "
                           "sent on the request");
    }
    meta["namespace"] = req.ns;
    return std::nullopt;
}

std::optional<ApiError> check_name(const ApiRequest& req, Value& object) {
    Value& meta = object["metadata"];
    const std::string body_name = meta.string_at({"name"});
    if (body_name.empty()) {
        meta["name"] = req.name;
    } else if (body_name != req.name) {
        return bad_request("the name of the object (" + body_name +
                           ") does not match the name on the URL (" + req.name + ")");
    }
    return std::nullopt;
}

// Writes a full object over the stored one (PUT and PATCH on the main resource).
ApiResult<Reply> write_update(State& state,
                              const ApiRequest& req,
                              const Value& stored,
                              Value object,
                              std::vector<std::string> warnings) {
    if (auto e = check_name(req, object)) {
        return *e;
    }
    if (auto e = place_in_namespace(req, object)) {
        return *e;
    }
    if (req.resource->has_status) {
        // The main resource ignores status changes (the /status subresource writes them).
        if (const Value* status = stored.find("status")) {
            object["status"] = *status;
        } else {
            object.erase("status");
        }
    }
    if (auto e = prepare_write(state, req.resource->gvr, object, false)) {
        return *e;
    }
    auto updated = state.store.update(req.resource->gvr, std::move(object));
    if (!updated) {
        return updated.error();
    }
    return Reply{200, std::move(updated).value(), std::move(warnings)};
}

// DeleteOptions from the body and the query (the query wins, as the real server).
ApiResult<DeleteOptions> delete_options(const State& state, const ApiRequest& req) {
    DeleteOptions options;
    if (!text::trim(req.body).empty()) {
        auto body = Value::parse(req.body);
        if (!body || !body->is_object()) {
            return bad_request("DeleteOptions in version \"v1\" cannot be handled as a "
                               "DeleteOptions: invalid body");
        }
        if (const Value* grace = body->find("gracePeriodSeconds")) {
            options.grace_seconds = grace->as_int();
        }
        options.propagation = body->string_at({"propagationPolicy"});
        if (const Value* uid = body->at({"preconditions", "uid"})) {
            options.precondition_uid = uid->as_string();
        }
        if (const Value* rv = body->at({"preconditions", "resourceVersion"})) {
            options.precondition_resource_version = rv->as_string();
        }
    }
    if (auto grace = text::parse_uint(http::query_value(req.query, "gracePeriodSeconds"))) {
        options.grace_seconds = static_cast<std::int64_t>(*grace);
    }
    if (auto p = http::query_value(req.query, "propagationPolicy"); !p.empty()) {
        options.propagation = p;
    }
    if (req.resource->gvr == gvr::kPods && !options.grace_seconds) {
        // A pod's grace is its own; an unscheduled pod (no kubelet to stop it) goes at once.
        const Value* pod = state.store.get(gvr::kPods, req.ns, req.name);
        const bool scheduled = pod != nullptr && !pod->string_at({"spec", "nodeName"}).empty();
        options.grace_seconds =
            scheduled ? pod->int_at({"spec", "terminationGracePeriodSeconds"}, 30) : 0;
    }
    return options;
}

// Deleting a namespace deletes what is in it, then the namespace.
void empty_namespace(State& state, const std::string& ns) {
    for (const auto& r : resources()) {
        if (!r.namespaced) {
            continue;
        }
        for (const auto& object : state.store.list(r.gvr, ns)) {
            DeleteOptions now;
            now.grace_seconds = 0;
            (void)state.store.remove(r.gvr, ns, object.string_at({"metadata", "name"}), now);
        }
    }
}

}  // namespace

ApiResult<Value> apply_patch(const ApiRequest& req, const Value& current) {
    const std::string type = media_type(req.content_type);
    if (type != "application/merge-patch+json" &&
        type != "application/strategic-merge-patch+json") {
        return unsupported_media();
    }
    auto patch = Value::parse(req.body);
    if (!patch || !patch->is_object()) {
        return bad_request("error decoding patch: " +
                           (patch ? std::string("not a JSON object") : patch.error().what()));
    }
    if (type == "application/merge-patch+json") {
        return merge_patch(current, patch.value());
    }
    return strategic_merge_patch(current, patch.value());
}

ApiResult<Reply> handle_create(State& state, const ApiRequest& req) {
    auto decoded = decode_body(req, req.resource->gvr);
    if (!decoded) {
        return decoded.error();
    }
    Value object = std::move(decoded->object);
    if (auto e = place_in_namespace(req, object)) {
        return *e;
    }
    if (req.resource->namespaced && state.store.get(gvr::kNamespaces, "", req.ns) == nullptr) {
        return not_found(gvr::kNamespaces, req.ns);
    }
    if (auto e = prepare_write(state, req.resource->gvr, object, true)) {
        return *e;
    }
    auto created = state.store.create(req.resource->gvr, std::move(object));
    if (!created) {
        return created.error();
    }
    return Reply{201, std::move(created).value(), std::move(decoded->warnings)};
}

ApiResult<Reply> handle_update(State& state, const ApiRequest& req) {
    auto decoded = decode_body(req, req.resource->gvr);
    if (!decoded) {
        return decoded.error();
    }
    const Value* stored = state.store.get(req.resource->gvr, req.ns, req.name);
    if (stored == nullptr) {
        if (auto e = check_name(req, decoded->object)) {
            return *e;
        }
        return not_found(req.resource->gvr, req.name);
    }
    const Value current = *stored;
    return write_update(state, req, current, std::move(decoded->object),
                        std::move(decoded->warnings));
}

ApiResult<Reply> handle_patch(State& state, const ApiRequest& req) {
    const Value* stored = state.store.get(req.resource->gvr, req.ns, req.name);
    if (stored == nullptr) {
        // The media type is checked first, as the real server does.
        if (auto patched = apply_patch(req, Value::object()); !patched) {
            return patched.error();
        }
        return not_found(req.resource->gvr, req.name);
    }
    const Value current = *stored;
    auto patched = apply_patch(req, current);
    if (!patched) {
        return patched.error();
    }
    ApiRequest as_put = req;
    as_put.body = patched->dump();
    auto decoded = decode_body(as_put, req.resource->gvr);
    if (!decoded) {
        return decoded.error();
    }
    return write_update(state, req, current, std::move(decoded->object),
                        std::move(decoded->warnings));
}

ApiResult<Reply> handle_delete(State& state, const ApiRequest& req) {
    auto options = delete_options(state, req);
    if (!options) {
        return options.error();
    }
    const Gvr& g = req.resource->gvr;
    if (g == gvr::kNamespaces && state.store.get(g, "", req.name) != nullptr) {
        empty_namespace(state, req.name);
    }
    auto outcome = state.store.remove(g, req.ns, req.name, options.value());
    if (!outcome) {
        return outcome.error();
    }
    if (!outcome->gone || req.resource->delete_returns_object) {
        return Reply{200, std::move(outcome->object), {}};
    }
    Value status = Value::object();
    status["kind"] = "Status";
    status["apiVersion"] = "v1";
    status["metadata"] = Value::object();
    status["status"] = "Success";
    Value& details = status["details"];
    details["name"] = req.name;
    if (!g.group.empty()) {
        details["group"] = g.group;
    }
    details["kind"] = g.resource;
    details["uid"] = outcome->object.string_at({"metadata", "uid"});
    return Reply{200, std::move(status), {}};
}

}  // namespace faas::test::kube
