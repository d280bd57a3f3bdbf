#include "provider/backends/kubernetes/api_client.hpp"

#include "provider/backends/kubernetes/parse.hpp"

namespace faas::provider::kubernetes {

namespace {

// The quoted text after `after` in `s` ("" when absent).
std::string quoted_after(std::string_view s, std::string_view after) {
    const auto at = s.find(after);
    if (at == std::string_view::npos) {
        return {};
    }
    const auto open = s.find('"', at + after.size());
    const auto close = open == std::string_view::npos ? open : s.find('"', open + 1);
    if (close == std::string_view::npos) {
        return {};
    }
    return std::string(s.substr(open + 1, close - open - 1));
}

// What RBAC denied, from the Forbidden message's fixed wording: `... cannot <verb> resource
// "<resource>" in API group "<group>" in the namespace "<ns>"` (or "at the cluster scope").
std::string rbac_denial(std::string_view message) {
    const auto cannot = message.find(" cannot ");
    const auto resource = message.find(" resource ", cannot);
    if (cannot == std::string_view::npos || resource == std::string_view::npos) {
        return "the provider's account lacks an RBAC permission: " + std::string(message);
    }
    const std::string verb(message.substr(cannot + 8, resource - cannot - 8));
    const std::string group = quoted_after(message, " in API group ");
    const std::string ns = quoted_after(message, " in the namespace ");
    std::string out = "the provider's account may not " + verb + " " +
                      quoted_after(message, " resource ") + " (API group \"" + group + "\") ";
    out += ns.empty() ? "at the cluster scope" : "in namespace " + ns;
    return out + ": grant it with RBAC (a Role bound to the provider's ServiceAccount); " +
           "the API server said: " + std::string(message);
}

// The fields a 422 Invalid names, each with what is wrong.
std::string invalid_fields(const ApiStatus& s) {
    if (s.causes.empty()) {
        return s.message;
    }
    std::string out;
    for (const auto& c : s.causes) {
        out += out.empty() ? "" : "; ";
        out += c.field.empty() ? c.message : c.field + ": " + c.message;
    }
    return out;
}

}  // namespace

Error api_error(int status,
                std::string_view body,
                const std::string& what,
                const std::string& url) {
    const auto s = parse_api_status(body);
    const std::string message =
        s ? s->message : std::string(body.substr(0, std::min<std::size_t>(body.size(), 200)));
    const std::string head = what + ": ";
    switch (status) {
        case 404: return make_error(errc::not_found, head + message);
        case 409: return make_error(errc::conflict, head + message);
        case 422:
            return make_error(errc::bad_request,
                              head + "invalid " + (s ? invalid_fields(*s) : message));
        case 403: return make_error(errc::internal, head + rbac_denial(message));
        case 400:
        case 401:
        case 429:
        case 503:
            return make_error(errc::unavailable, head + "the Kubernetes API server at " + url +
                                                     " answered " + std::to_string(status) +
                                                     ": " + message);
        default:
            return make_error(errc::upstream_failed, head + "the Kubernetes API server at " + url +
                                                         " answered " + std::to_string(status) +
                                                         ": " + message);
    }
}

ApiClient::ApiClient(asio::any_io_executor ex, ApiTarget target)
    : target_(std::move(target)), pool_(std::move(ex)) {}

http::Request ApiClient::request(const std::string& method,
                                 const std::string& path,
                                 const std::string& body,
                                 const std::string& content_type) const {
    http::Request req;
    req.method = method;
    req.target = path;
    req.headers.set("Accept", "application/json");
    if (target_.authorization) {
        if (std::string auth = target_.authorization(); !auth.empty()) {
            req.headers.set("Authorization", auth);
        }
    }
    if (!body.empty()) {
        req.headers.set("Content-Type", content_type);
        req.body = body;
    }
    return req;
}

Error ApiClient::unreachable(const Error& e) const {
    return make_error(errc::unavailable,
                      "cannot reach the Kubernetes API server at " + target_.url + ": " + e.what());
}

awaitable<Result<http::Response>> ApiClient::send(const std::string& method,
                                                  const std::string& path,
                                                  const std::string& body,
                                                  const std::string& content_type) {
    http::Request req = request(method, path, body, content_type);
    http::CallOptions opts;
    opts.timeout = target_.timeout;
    auto res = co_await pool_.request(target_.endpoint, std::move(req), opts);
    if (!res) {
        co_return unreachable(res.error());
    }
    co_return res;
}

awaitable<Result<std::string>> ApiClient::call(const std::string& method,
                                               const std::string& path,
                                               const std::string& body,
                                               const std::string& what) {
    const std::string content_type =
        method == "PATCH" ? "application/merge-patch+json" : "application/json";
    auto res = co_await send(method, path, body, content_type);
    if (!res) {
        co_return res.error();
    }
    if (res->status < 200 || res->status >= 300) {
        co_return api_error(res->status, res->body, what, target_.url);
    }
    co_return std::move(res->body);
}

awaitable<Result<std::string>> ApiClient::get(const std::string& path, const std::string& what) {
    const std::string method = "GET";
    const std::string none;
    co_return co_await call(method, path, none, what);
}

awaitable<Result<std::string>> ApiClient::replace(const std::string& path,
                                                  const Edit& edit,
                                                  const std::string& what) {
    const std::string put = "PUT";
    const std::string json = "application/json";
    for (int attempt = 1;; ++attempt) {
        auto current = co_await get(path, what);
        if (!current) {
            co_return current.error();
        }
        auto body = edit(*current);
        if (!body) {
            co_return body.error();
        }
        auto res = co_await send(put, path, *body, json);
        if (!res) {
            co_return res.error();
        }
        if (res->status >= 200 && res->status < 300) {
            co_return std::move(res->body);
        }
        // A stale resourceVersion is "Conflict"; "AlreadyExists" and others are final.
        const auto s = parse_api_status(res->body);
        const bool stale = res->status == 409 && s && s->reason == "Conflict";
        if (!stale || attempt == kReplaceAttempts) {
            co_return api_error(res->status, res->body, what, target_.url);
        }
    }
}

awaitable<Status> ApiClient::stream(const std::string& path,
                                    http::StreamOptions options,
                                    http::BodySink sink,
                                    const std::string& what) {
    http::Request req = request("GET", path, "", "");
    if (options.head_timeout.count() == 0) {
        options.head_timeout = target_.timeout;
    }
    auto res = co_await pool_.stream(target_.endpoint, std::move(req), options, std::move(sink));
    if (!res) {
        co_return unreachable(res.error());
    }
    if (res->status < 200 || res->status >= 300) {
        co_return api_error(res->status, res->body, what, target_.url);
    }
    co_return Status{};
}

}  // namespace faas::provider::kubernetes
