#include "core/http/wire.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/text/text.hpp"

namespace faas::http::wire {

std::string_view date_now() {
    thread_local std::time_t cached_at = 0;
    thread_local std::array<char, 64> cached{};
    thread_local std::size_t cached_len = 0;
    const std::time_t now = std::time(nullptr);
    if (now != cached_at) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        cached_len = std::strftime(cached.data(), cached.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_at = now;
    }
    return {cached.data(), cached_len};
}

void append_status_line(std::string& out, unsigned version, int status) {
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(status);
    out.push_back(' ');
    out += reason(status);
    out += "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    // A header value must not smuggle a new line into the head: CR and LF become spaces.
    for (;;) {
        const std::size_t at = value.find_first_of("\r\n");
        if (at == std::string_view::npos) {
            out += value;
            break;
        }
        out.append(value.data(), at);
        out.push_back(' ');
        value.remove_prefix(at + 1);
    }
    out += "\r\n";
}

void append_headers(std::string& out, const Headers& headers, bool skip_framing) {
    for (const auto& h : headers) {
        if (skip_framing &&
            (text::iequals(h.name, "Content-Length") ||
             text::iequals(h.name, "Transfer-Encoding") || text::iequals(h.name, "Connection") ||
             text::iequals(h.name, "Keep-Alive"))) {
            continue;
        }
        append_header(out, h.name, h.value);
    }
}

void append_chunk_size(std::string& out, std::size_t n) {
    std::array<char, 32> buf{};
    const int len = std::snprintf(buf.data(), buf.size(), "%zx\r\n", n);
    out.append(buf.data(), static_cast<std::size_t>(len));
}

bool status_has_no_body(int status) noexcept {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace faas::http::wire
