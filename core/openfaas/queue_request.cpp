// core/openfaas: the QueueRequest codec (docs/wire-contract.md §3.1).
#include "core/openfaas/queue_request.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "core/json/json.hpp"
#include "core/openfaas/json_fields.hpp"
#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"

namespace faas::openfaas {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Error bad(std::string message) {
    return make_error(errc::bad_request, "queued request: " + std::move(message));
}

// Go's url.URL fields for an absolute URL "scheme://[user@]host[/path][?query][#fragment]".
struct GoUrl {
    std::string scheme;
    std::string host;
    std::string path;
    std::string raw_path;
    std::string raw_query;
    std::string fragment;
};

GoUrl split_url(std::string_view url) {
    GoUrl u;
    const auto colon = url.find("://");
    if (colon == std::string_view::npos) {
        u.path = std::string(url);
        return u;
    }
    u.scheme = std::string(url.substr(0, colon));
    std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    url.remove_prefix(colon + 3);
    if (const auto hash = url.find('#'); hash != std::string_view::npos) {
        u.fragment = std::string(url.substr(hash + 1));
        url = url.substr(0, hash);
    }
    if (const auto q = url.find('?'); q != std::string_view::npos) {
        u.raw_query = std::string(url.substr(q + 1));
        url = url.substr(0, q);
    }
    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);  // Go writes User as {}: credentials do not survive
    }
    u.host = std::string(authority);
    if (slash != std::string_view::npos) {
        const std::string_view raw = url.substr(slash);
        const auto decoded = http::percent_decode(raw);
        u.path = decoded.value_or(std::string(raw));
        if (!decoded || *decoded != raw) {
            u.raw_path = std::string(raw);
        }
    }
    return u;
}

void write_go_url(json::Writer& w, std::string_view url) {
    const GoUrl u = split_url(url);
    w.begin_object();
    w.key("Scheme").value(u.scheme);
    w.key("Opaque").value("");
    w.key("User").null();
    w.key("Host").value(u.host);
    w.key("Path").value(u.path);
    w.key("RawPath").value(u.raw_path);
    w.key("OmitHost").value(false);
    w.key("ForceQuery").value(false);
    w.key("RawQuery").value(u.raw_query);
    w.key("Fragment").value(u.fragment);
    w.key("RawFragment").value("");
    w.end_object();
}

// Header names in order of first appearance, each with its values in order.
std::vector<std::pair<std::string, std::vector<std::string>>> group_headers(
    const http::Headers& h) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    std::map<std::string, std::size_t> index;
    for (const auto& f : h) {
        std::string key = text::canonical_header_key(f.name);
        const auto [it, fresh] = index.try_emplace(key, out.size());
        if (fresh) {
            out.emplace_back(std::move(key), std::vector<std::string>{});
        }
        out[it->second].second.push_back(f.value);
    }
    return out;
}

Status read_headers(object obj, http::Headers& out) {
    const auto found = detail::find_member(obj, "Header");
    if (!found) {
        return {};
    }
    const element e = *found;
    object headers;
    if (e.get_object().get(headers) != simdjson::SUCCESS) {
        return bad("\"Header\" must be an object of string arrays");
    }
    for (const auto field : headers) {
        simdjson::dom::array values;
        if (field.value.get_array().get(values) != simdjson::SUCCESS) {
            return bad("header \"" + std::string(field.key) + "\" must be an array of strings");
        }
        for (const element v : values) {
            std::string_view s;
            if (v.get_string().get(s) != simdjson::SUCCESS) {
                return bad("header \"" + std::string(field.key) + "\" must be an array of strings");
            }
            out.add(field.key, s);
        }
    }
    return {};
}

// CallbackUrl as Go writes it (a url.URL object) or as a plain string.
Status read_callback_url(object obj, std::string& out) {
    const auto found = detail::find_member(obj, "CallbackUrl");
    if (!found) {
        return {};
    }
    const element e = *found;
    if (e.is_string()) {
        out.assign(e.get_string().value_unsafe());
        return {};
    }
    object u;
    if (e.get_object().get(u) != simdjson::SUCCESS) {
        return bad("\"CallbackUrl\" must be a URL object or a string");
    }
    GoUrl g;
    if (auto st = detail::read_strings(u, "queued request",
                                       {{"Scheme", &g.scheme},
                                        {"Host", &g.host},
                                        {"Path", &g.path},
                                        {"RawPath", &g.raw_path},
                                        {"RawQuery", &g.raw_query},
                                        {"Fragment", &g.fragment}},
                                       "CallbackUrl.");
        !st) {
        return st;
    }
    if (g.scheme.empty() || g.host.empty()) {
        return bad("\"CallbackUrl\" needs a Scheme and a Host");
    }
    out = g.scheme + "://" + g.host + (g.raw_path.empty() ? g.path : g.raw_path);
    if (!g.raw_query.empty()) {
        out += "?" + g.raw_query;
    }
    if (!g.fragment.empty()) {
        out += "#" + g.fragment;
    }
    return {};
}

// "Annotations": an object of strings; absent or null is none.
Status read_annotations(object obj, std::map<std::string, std::string>& out) {
    const auto found = detail::find_member(obj, "Annotations");
    if (!found) {
        return {};
    }
    const element e = *found;
    object annotations;
    if (e.get_object().get(annotations) != simdjson::SUCCESS) {
        return bad("\"Annotations\" must be an object of strings");
    }
    for (const auto field : annotations) {
        std::string_view s;
        if (field.value.get_string().get(s) != simdjson::SUCCESS) {
            return bad("annotation \"" + std::string(field.key) + "\" must be a string");
        }
        out.insert_or_assign(std::string(field.key), std::string(s));
    }
    return {};
}

}  // namespace

std::string encode(const QueueRequest& r) {
    json::Writer w;
    // One allocation for the usual request: the base64 body, the headers and the fixed fields.
    std::size_t size = (r.body.size() + 2) / 3 * 4 + r.callback_url.size() * 2 + 512;
    for (const auto& h : r.headers) {
        size += h.name.size() + h.value.size() + 8;
    }
    w.reserve(size);
    w.begin_object();
    w.key("Header").begin_object();
    for (const auto& [name, values] : group_headers(r.headers)) {
        w.key(name).begin_array();
        for (const auto& v : values) {
            w.value(v);
        }
        w.end_array();
    }
    w.end_object();
    w.key("Host").value(r.host);
    w.key("Body").base64(r.body);
    w.key("Method").value(r.method);
    w.key("Path").value(r.path);
    w.key("QueryString").value(r.query);
    w.key("Function").value(r.namespace_.empty() ? r.function : r.function + "." + r.namespace_);
    w.key("QueueName").value(r.queue);
    w.key("CallbackUrl");
    if (r.callback_url.empty()) {
        w.null();
    } else {
        write_go_url(w, r.callback_url);
    }
    // Ours. Go matches keys case-insensitively, so none of these may spell a Go field's name.
    w.key("CallbackRawUrl").value(r.callback_url);
    w.key("CallId").value(r.call_id);
    w.key("EnqueuedAt").value(r.enqueued_at);
    w.key("Attempt").value(static_cast<std::uint64_t>(r.attempt));
    if (!r.annotations.empty()) {
        w.key("Annotations").begin_object();
        for (const auto& [name, value] : r.annotations) {
            w.key(name).value(value);
        }
        w.end_object();
    }
    w.end_object();
    return std::move(w).str();
}

namespace {

// CallbackRawUrl (read before) wins over the Go URL object CallbackUrl, which wins over the
// X-Callback-Url header; CallId (read before) wins over the X-Call-Id header.
Status read_callback_and_call_id(object obj, QueueRequest& r) {
    if (r.callback_url.empty()) {
        if (auto st = read_callback_url(obj, r.callback_url); !st) {
            return st;
        }
    }
    if (r.callback_url.empty()) {
        r.callback_url = std::string(r.headers.get("X-Callback-Url").value_or(""));
    }
    if (r.call_id.empty()) {
        r.call_id = std::string(r.headers.get("X-Call-Id").value_or(""));
    }
    return {};
}

Status read_attempt(object obj, QueueRequest& r) {
    element attempt;
    if (obj.at_key("Attempt").get(attempt) == simdjson::SUCCESS && !attempt.is_null()) {
        std::uint64_t n = 0;
        if (attempt.get_uint64().get(n) != simdjson::SUCCESS || n > UINT32_MAX) {
            return bad("\"Attempt\" must be a count (0 to 4294967295)");
        }
        r.attempt = static_cast<std::uint32_t>(n);
    }
    return {};
}

}  // namespace

Result<QueueRequest> decode_queue_request(std::string_view json,
                                          std::string_view default_namespace) {
    auto root = detail::parse_root_object(json, "queued request");
    if (!root) {
        return root.error();
    }
    const object obj = root->obj;
    QueueRequest r;
    std::string function;
    std::string body64;
    if (auto st = detail::read_strings(obj, "queued request",
                                       {{"Host", &r.host},
                                        {"Body", &body64},
                                        {"Method", &r.method},
                                        {"Path", &r.path},
                                        {"QueryString", &r.query},
                                        {"Function", &function},
                                        {"QueueName", &r.queue},
                                        {"CallbackRawUrl", &r.callback_url},
                                        {"CallId", &r.call_id},
                                        {"EnqueuedAt", &r.enqueued_at}});
        !st) {
        return st.error();
    }
    if (function.empty()) {
        return bad("\"Function\" is missing");
    }
    QualifiedName name = split_name(function, default_namespace);
    r.function = std::move(name.name);
    r.namespace_ = std::move(name.namespace_);
    if (r.method.empty()) {
        r.method = "POST";
    }
    auto body = text::base64_decode(body64);
    if (!body) {
        return bad("\"Body\" is not base64");
    }
    r.body = std::move(*body);
    if (auto st = read_headers(obj, r.headers); !st) {
        return st.error();
    }
    if (auto st = read_callback_and_call_id(obj, r); !st) {
        return st.error();
    }
    if (auto st = read_annotations(obj, r.annotations); !st) {
        return st.error();
    }
    if (auto st = read_attempt(obj, r); !st) {
        return st.error();
    }
    return r;
}

}  // namespace faas::openfaas
