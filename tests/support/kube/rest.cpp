// The request router: path parsing (/api/v1/..., /apis/<group>/<version>/...), authentication,
// RBAC, and dispatch by method, name and subresource, as the real server's handler chain.
#include <vector>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

constexpr std::size_t kBodyLimit = 8 * 1024 * 1024;

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            slash = path.size();
        }
        if (slash > start) {
            out.push_back(path.substr(start, slash - start));
        }
        start = slash + 1;
    }
    return out;
}

ApiError unknown_path() {
    ApiError e;
    e.code = 404;
    e.reason = "NotFound";
    e.message = "the server could not find the requested resource";
    e.details = Value::object();
    return e;
}

// Fills resource, ns, name and subresource; false for a path that names no resource.
bool parse_resource_path(std::string_view path, ApiRequest& req) {
    auto seg = split_path(path);
    std::string_view group;
    std::string_view version;
    std::size_t i = 0;
    if (seg.size() >= 3 && seg[0] == "api") {
        version = seg[1];
        i = 2;
    } else if (seg.size() >= 4 && seg[0] == "apis") {
        group = seg[1];
        version = seg[2];
        i = 3;
    } else {
        return false;
    }
    // /namespaces/<ns>/<resource>/... unless it is the namespace object itself.
    if (seg.size() >= i + 3 && seg[i] == "namespaces") {
        req.ns = std::string(seg[i + 1]);
        i += 2;
    }
    req.resource = find_resource(group, version, seg[i]);
    if (req.resource == nullptr || (!req.ns.empty() && !req.resource->namespaced)) {
        return false;
    }
    if (seg.size() > i + 3) {
        return false;
    }
    req.name = seg.size() > i + 1 ? std::string(seg[i + 1]) : "";
    req.subresource = seg.size() > i + 2 ? std::string(seg[i + 2]) : "";
    return true;
}

bool is_watch(const ApiRequest& req) {
    const std::string w = http::query_value(req.query, "watch");
    return w == "1" || w == "true";
}

// The RBAC verb, or "" when the method is not served on this URL (405).
std::string verb_of(const ApiRequest& req) {
    const bool named = !req.name.empty();
    if (req.method == "GET") {
        return named ? "get" : (is_watch(req) ? "watch" : "list");
    }
    if (req.method == "POST") {
        return !named || req.subresource == "token" ? "create" : "";
    }
    if (req.method == "PUT" && named) {
        return "update";
    }
    if (req.method == "PATCH" && named) {
        return "patch";
    }
    if (req.method == "DELETE") {
        return named ? "delete" : "deletecollection";
    }
    return "";
}

bool known_subresource(const ApiRequest& req) {
    const auto& s = req.subresource;
    const auto& r = *req.resource;
    return s.empty() || (s == "status" && r.has_status) || (s == "scale" && r.has_scale) ||
           (s == "log" && r.gvr == gvr::kPods) ||
           (s == "token" && r.gvr == gvr::kServiceAccounts);
}

ApiResult<Reply> dispatch(State& state, const ApiRequest& req) {
    if (!req.subresource.empty()) {
        return handle_subresource(state, req);
    }
    if (req.verb == "get") {
        return handle_get(state, req);
    }
    if (req.verb == "list") {
        return handle_list(state, req);
    }
    if (req.verb == "create") {
        return handle_create(state, req);
    }
    if (req.verb == "update") {
        return handle_update(state, req);
    }
    if (req.verb == "patch") {
        return handle_patch(state, req);
    }
    if (req.verb == "deletecollection") {
        return handle_delete_collection(state, req);
    }
    return handle_delete(state, req);
}

// Parses, authenticates and authorizes; an error is answered as it is.
awaitable<ApiResult<ApiRequest>> read_request(State& state, http::Exchange& ex) {
    ApiRequest req;
    req.method = std::string(ex.method());
    req.query = http::parse_query(ex.query());
    req.content_type = std::string(ex.header("Content-Type").value_or(""));
    auto user = authenticate(state, ex);
    if (!user) {
        co_return user.error();
    }
    req.user = std::move(user).value();
    if (!parse_resource_path(ex.path(), req) || !known_subresource(req)) {
        co_return unknown_path();
    }
    req.verb = verb_of(req);
    if (req.verb.empty()) {
        co_return method_not_allowed();
    }
    if (auto denied = authorize(state, req)) {
        co_return *denied;
    }
    auto body = co_await ex.read_body(kBodyLimit);
    if (!body) {
        co_return bad_request(body.error().what());
    }
    req.body = std::move(body).value();
    co_return req;
}

awaitable<void> serve_non_resource(State& state, http::Exchange& ex) {
    auto user = authenticate(state, ex);
    if (!user) {
        co_await send_error(ex, user.error());
        co_return;
    }
    if (auto denied = authorize_path(user.value(), ex.path())) {
        co_await send_error(ex, *denied);
        co_return;
    }
    auto reply = discovery(state, ex.path());
    if (!reply) {
        co_await send_error(ex, unknown_path());
        co_return;
    }
    co_await send_reply(ex, std::move(*reply));
}

}  // namespace

ApiError method_not_allowed() {
    ApiError e;
    e.code = 405;
    e.reason = "MethodNotAllowed";
    e.message = "the server does not allow this method on the requested resource";
    e.details = Value::object();
    return e;
}

ApiError bad_request(std::string message) {
    ApiError e;
    e.code = 400;
    e.reason = "BadRequest";
    e.message = std::move(message);
    return e;
}

awaitable<void> send_reply(http::Exchange& ex, Reply reply) {
    http::Response res;
    res.status = reply.status;
    res.headers.set("Content-Type", "application/json");
    for (const auto& w : reply.warnings) {
        std::string value = "299 - \"";
        for (char c : w) {
            if (c == '"' || c == '\\') {
                value += '\\';
            }
            value += c;
        }
        res.headers.add("Warning", value + "\"");
    }
    res.body = reply.body.dump();
    (void)co_await ex.respond(std::move(res));
}

awaitable<void> send_error(http::Exchange& ex, const ApiError& error) {
    Reply reply;
    reply.status = error.code;
    reply.body = status_object(error);
    co_await send_reply(ex, std::move(reply));
}

awaitable<void> handle_exchange(State& state, http::Exchange& ex) {
    const std::string_view path = ex.path();
    if (!path.starts_with("/api/") && !path.starts_with("/apis/")) {
        co_await serve_non_resource(state, ex);
        co_return;
    }
    auto parsed = co_await read_request(state, ex);
    if (!parsed) {
        if (parsed.error().code == 404 && discovery(state, path)) {
            co_await serve_non_resource(state, ex);
        } else {
            co_await send_error(ex, parsed.error());
        }
        co_return;
    }
    ApiRequest req = std::move(parsed).value();
    if (req.verb == "watch") {
        co_await serve_watch(state, std::move(req), ex);
        co_return;
    }
    if (req.subresource == "log") {
        co_await serve_log(state, std::move(req), ex);
        co_return;
    }
    auto reply = dispatch(state, req);
    if (!reply) {
        co_await send_error(ex, reply.error());
        co_return;
    }
    co_await send_reply(ex, std::move(reply).value());
}

}  // namespace faas::test::kube
