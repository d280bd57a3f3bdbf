#include "core/http/types.hpp"

#include <algorithm>
#include <array>

#include "core/text/text.hpp"

namespace faas::http {

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& h : items_) {
        if (text::iequals(h.name, name)) {
            return std::string_view(h.value);
        }
    }
    return std::nullopt;
}

void Headers::set(std::string_view name, std::string_view value) {
    remove(name);
    add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
    items_.push_back(Header{std::string(name), std::string(value)});
}

void Headers::remove(std::string_view name) {
    std::erase_if(items_, [&](const Header& h) { return text::iequals(h.name, name); });
}

Target split_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {target, {}};
    }
    return {target.substr(0, q), target.substr(q + 1)};
}

namespace {

// The byte of the escape at s[i] ('%' and two hex digits), or -1 when there is none.
int escape_at(std::string_view s, std::size_t i) {
    if (s[i] != '%' || i + 2 >= s.size()) {
        return -1;
    }
    const int hi = text::hex_digit(s[i + 1]);
    const int lo = text::hex_digit(s[i + 2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string form_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int byte = escape_at(s, i);
        if (byte >= 0) {
            out.push_back(static_cast<char>(byte));
            i += 2;
        } else {
            out.push_back(s[i] == '+' ? ' ' : s[i]);
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        const int byte = escape_at(s, i);
        if (byte < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(byte));
        i += 2;
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) {
            continue;
        }
        const auto eq = part.find('=');
        std::string key = form_decode(part.substr(0, eq));
        std::string value =
            eq == std::string_view::npos ? std::string() : form_decode(part.substr(eq + 1));
        out.emplace(std::move(key), std::move(value));
    }
    return out;
}

std::string query_value(const std::map<std::string, std::string>& q, const std::string& key) {
    auto it = q.find(key);
    return it == q.end() ? std::string() : it->second;
}

Response text_error(int status, std::string_view message) {
    Response r;
    r.status = status;
    r.headers.set("Content-Type", "text/plain; charset=utf-8");
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.body.assign(message);
    if (r.body.empty() || r.body.back() != '\n') {
        r.body.push_back('\n');
    }
    return r;
}

std::string_view reason(int status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 413: return "Request Entity Too Large";
        case 415: return "Unsupported Media Type";
        case 416: return "Range Not Satisfiable";
        case 422: return "Unprocessable Entity";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

bool is_hop_by_hop(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 9> kHop = {
        "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
        "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"};
    return std::any_of(std::begin(kHop), std::end(kHop),
                       [&](std::string_view h) { return text::iequals(h, name); });
}

}  // namespace faas::http
