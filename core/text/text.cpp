#include "core/text/text.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace faas::text {
namespace {

bool is_token_char(char c) noexcept {
    if (c >= 'a' && c <= 'z') {
        return true;
    }
    if (c >= 'A' && c <= 'Z') {
        return true;
    }
    if (c >= '0' && c <= '9') {
        return true;
    }
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
        case '-': case '.': case '^': case '_': case '`': case '|': case '~':
            return true;
        default:
            return false;
    }
}

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
char upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

}  // namespace

std::string canonical_header_key(std::string_view key) {
    for (char c : key) {
        if (!is_token_char(c)) {
            return std::string(key);
        }
    }
    std::string out(key);
    bool up = true;
    for (char& c : out) {
        c = up ? upper(c) : lower(c);
        up = c == '-';
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::vector<std::string> split_spaces(std::string_view s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const std::size_t next = s.find(' ', pos);
        const std::string_view part =
            s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
        if (!part.empty()) {
            out.emplace_back(part);
        }
        if (next == std::string_view::npos) {
            break;
        }
        pos = next + 1;
    }
    return out;
}

void base64_append(std::string& out, std::string_view data) {
    // Sized once and written through a pointer: bodies of every queued call pass through here.
    const std::size_t at = out.size();
    out.resize(at + (data.size() + 2) / 3 * 4, '=');
    char* o = out.data() + at;
    const auto byte = [&](std::size_t k) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(data[k]));
    };
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const std::uint32_t v = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
        *o++ = kB64[(v >> 18U) & 63U];
        *o++ = kB64[(v >> 12U) & 63U];
        *o++ = kB64[(v >> 6U) & 63U];
        *o++ = kB64[v & 63U];
    }
    const std::size_t left = data.size() - i;  // 0, 1 or 2; the padding is already '='
    if (left > 0) {
        const std::uint32_t v = (byte(i) << 16U) | (left == 2 ? byte(i + 1) << 8U : 0U);
        *o++ = kB64[(v >> 18U) & 63U];
        *o++ = kB64[(v >> 12U) & 63U];
        if (left == 2) {
            *o = kB64[(v >> 6U) & 63U];
        }
    }
}

std::string base64_encode(std::string_view data) {
    std::string out;
    base64_append(out, data);
    return out;
}

namespace {

// int16_t, not int8_t: a signed char read into an int is what bugprone-signed-char-misuse flags.
constexpr std::array<std::int16_t, 256> make_b64_reverse() {
    std::array<std::int16_t, 256> rev{};
    for (auto& r : rev) {
        r = -1;
    }
    for (std::size_t i = 0; i < kB64.size(); ++i) {
        rev[static_cast<unsigned char>(kB64[i])] = static_cast<std::int16_t>(i);
    }
    return rev;
}

constexpr std::array<std::int16_t, 256> kB64Reverse = make_b64_reverse();

}  // namespace

std::optional<std::string> base64_decode(std::string_view data) {
    while (!data.empty() && data.back() == '=') {
        data.remove_suffix(1);
    }
    std::string out(data.size() * 3 / 4, '\0');
    char* o = out.data();
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : data) {
        const int v = kB64Reverse[static_cast<unsigned char>(c)];
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6U) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU);
        }
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
    return out;
}

std::string hex_encode(std::span<const unsigned char> data) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char c : data) {
        out.push_back(kHex[c >> 4U]);
        out.push_back(kHex[c & 15U]);
    }
    return out;
}

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::string> hex_decode(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]);
        const int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return out;
}

std::string seconds_fixed6(double seconds) {
    std::array<char, 64> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%f", seconds);
    return {buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0};
}

std::string human_bytes(std::uint64_t n) {
    static constexpr std::array<const char*, 5> kUnits = {"B", "kB", "MB", "GB", "TB"};
    if (n < 1000) {
        return std::to_string(n) + " B";
    }
    auto v = static_cast<double>(n);
    std::size_t u = 0;
    while (v >= 1000 && u + 1 < kUnits.size()) {
        v /= 1000;
        ++u;
    }
    std::array<char, 32> buf{};
    const int len = std::snprintf(buf.data(), buf.size(), "%.1f %s", v, kUnits[u]);
    return {buf.data(), len > 0 ? static_cast<std::size_t>(len) : 0};
}

std::string percent_encode(std::string_view s, bool (*keep)(char)) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        if (keep(ch)) {
            out.push_back(ch);
            continue;
        }
        const auto c = static_cast<unsigned char>(ch);
        out.push_back('%');
        out.push_back(kHex[c >> 4U]);
        out.push_back(kHex[c & 15U]);
    }
    return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

std::vector<std::string> split_list(std::string_view s, char sep) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto at = s.find(sep);
        const std::string_view item = trim(s.substr(0, at));
        s = at == std::string_view::npos ? std::string_view() : s.substr(at + 1);
        if (!item.empty()) {
            out.emplace_back(item);
        }
    }
    return out;
}

}  // namespace faas::text
