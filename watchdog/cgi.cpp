#include "watchdog/cgi.hpp"

#include <algorithm>
#include <map>

#include "core/json/json.hpp"
#include "core/text/text.hpp"

namespace faas::watchdog {
namespace {

// Go's header map has no Host or Transfer-Encoding entry; both surface through dedicated
// variables instead.
bool in_go_header_map(std::string_view name) {
    return !text::iequals(name, "Host") && !text::iequals(name, "Transfer-Encoding");
}

}  // namespace

void append_cgi_env(std::vector<std::string>& env, const http::Exchange& ex, CgiOptions options) {
    const std::size_t first = env.size();
    for (const auto& h : ex.headers()) {
        if (!in_go_header_map(h.name)) {
            continue;
        }
        std::string key = "Http_" + text::canonical_header_key(h.name);
        std::replace(key.begin() + 5, key.end(), '-', '_');
        key.push_back('=');
        // First value only: skip a repeated header.
        const bool seen = std::any_of(env.begin() + static_cast<std::ptrdiff_t>(first), env.end(),
                                      [&](const std::string& e) { return e.starts_with(key); });
        if (!seen) {
            env.push_back(key + h.value);
        }
    }
    env.push_back("Http_Method=" + std::string(ex.method()));
    if (options.classic) {
        const auto len = ex.content_length();
        env.push_back("Http_ContentLength=" +
                      (len && !ex.chunked() ? std::to_string(*len) : std::string("-1")));
    }
    if (ex.chunked()) {
        env.emplace_back("Http_Transfer_Encoding=chunked");
    }
    if (!ex.query().empty()) {
        env.push_back("Http_Query=" + std::string(ex.query()));
    }
    env.push_back("Http_Path=" + std::string(ex.path()));
    if (options.classic) {
        if (auto host = ex.header("Host"); host && !host->empty()) {
            env.push_back("Http_Host=" + std::string(*host));
        }
    }
}

std::string marshal_request(const http::Exchange& ex, std::string_view body) {
    std::map<std::string, std::vector<std::string>> headers;
    for (const auto& h : ex.headers()) {
        if (in_go_header_map(h.name)) {
            headers[text::canonical_header_key(h.name)].push_back(h.value);
        }
    }
    json::Writer w;
    w.begin_object().key("header").begin_object();
    for (const auto& [name, values] : headers) {
        w.key(name).begin_array();
        for (const auto& v : values) {
            w.value(v);
        }
        w.end_array();
    }
    w.end_object();
    w.key("body").begin_object().key("raw").base64(body).end_object();
    w.key("method").value(ex.method());
    w.key("path").value(ex.path());
    w.key("query").value(ex.query());
    w.key("host").value(ex.header("Host").value_or(""));
    w.end_object();
    return std::move(w).str();
}

}  // namespace faas::watchdog
