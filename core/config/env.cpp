#include "core/config/env.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace faas::config {

Lookup process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const std::string key(name);
        // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up
        const char* v = std::getenv(key.c_str());
        if (v == nullptr) {
            return std::nullopt;
        }
        return std::string(v);
    };
}

namespace {

// Nanoseconds per `unit` of a Go duration ("ns", "us" or "µs", "ms", "s", "m", "h").
std::optional<long double> unit_scale(std::string_view unit) {
    if (unit == "ns") {
        return 1;
    }
    if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
        return 1e3;
    }
    if (unit == "ms") {
        return 1e6;
    }
    if (unit == "s") {
        return 1e9;
    }
    if (unit == "m") {
        return 60e9;
    }
    if (unit == "h") {
        return 3600e9;
    }
    return std::nullopt;
}

// Takes one "<number><unit>" term ("1.5h") off the front of `s`: its nanoseconds.
std::optional<long double> take_term(std::string_view& s) {
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '.')) {
        ++i;
    }
    if (i == 0) {
        return std::nullopt;
    }
    const std::string number(s.substr(0, i));
    char* end = nullptr;
    const long double value = std::strtold(number.c_str(), &end);
    if (end != number.c_str() + number.size()) {
        return std::nullopt;
    }
    s.remove_prefix(i);
    std::size_t j = 0;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) == 0 && s[j] != '.')) {
        ++j;
    }
    const auto scale = unit_scale(s.substr(0, j));
    s.remove_prefix(j);
    if (!scale) {
        return std::nullopt;
    }
    return value * *scale;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    // A bare non-negative integer means seconds (OpenFaaS readconfig).
    {
        std::int64_t secs = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
        if (ec == std::errc{} && p == s.data() + s.size() && secs >= 0) {
            return std::chrono::seconds(secs);
        }
    }
    bool negative = false;
    if (s.front() == '-' || s.front() == '+') {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s == "0") {
        return std::chrono::nanoseconds(0);
    }
    long double total = 0;
    bool any = false;
    while (!s.empty()) {
        const auto term = take_term(s);
        if (!term) {
            return std::nullopt;
        }
        total += *term;
        any = true;
    }
    if (!any || total > 9.2e18L) {
        return std::nullopt;
    }
    const auto ns = static_cast<std::int64_t>(std::llround(total));
    return std::chrono::nanoseconds(negative ? -ns : ns);
}

std::optional<std::uint64_t> parse_bytes(std::string_view s) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || p == s.data()) {
        return std::nullopt;
    }
    std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
    std::uint64_t mult = 1;
    if (unit.empty() || unit == "B") {
        mult = 1;
    } else if (unit == "k" || unit == "K" || unit == "Ki" || unit == "KiB" || unit == "KB") {
        mult = 1ULL << 10U;
    } else if (unit == "M" || unit == "Mi" || unit == "MiB" || unit == "MB") {
        mult = 1ULL << 20U;
    } else if (unit == "G" || unit == "Gi" || unit == "GiB" || unit == "GB") {
        mult = 1ULL << 30U;
    } else {
        return std::nullopt;
    }
    if (n > UINT64_MAX / mult) {
        return std::nullopt;
    }
    return n * mult;
}

std::optional<bool> parse_go_bool(std::string_view s) {
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
        return true;
    }
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::string> Env::get(std::string_view name) const { return lookup_(name); }

std::string Env::string(std::string_view name, std::string_view fallback) const {
    auto v = get(name);
    return v && !v->empty() ? *v : std::string(fallback);
}

bool Env::flag(std::string_view name, bool fallback) const {
    auto v = get(name);
    if (!v || v->empty()) {
        return fallback;
    }
    return *v == "true";
}

bool Env::go_bool(std::string_view name, bool fallback) const {
    auto v = get(name);
    if (!v) {
        return fallback;
    }
    return parse_go_bool(*v).value_or(fallback);
}

std::chrono::nanoseconds Env::duration(std::string_view name,
                                       std::chrono::nanoseconds fallback) const {
    auto v = get(name);
    if (!v || v->empty()) {
        return fallback;
    }
    auto d = parse_go_duration(*v);
    if (!d || d->count() < 0) {
        return fallback;
    }
    return *d;
}

std::chrono::nanoseconds Env::positive_duration(std::string_view name,
                                                std::chrono::nanoseconds fallback,
                                                IfZero zero) const {
    const auto d = duration(name, fallback);
    if (d.count() > 0) {
        return d;
    }
    if (zero == IfZero::UseDefault) {
        return fallback;
    }
    throw ConfigError(std::string(name) + "=" + get(name).value_or("") +
                      ": want a positive duration");
}

std::int64_t Env::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) const {
    auto v = get(name);
    if (!v || v->empty()) {
        return fallback;
    }
    const std::string_view text = *v;
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || p != text.data() + text.size() || n < min || n > max) {
        throw ConfigError(std::string(name) + "=" + *v + ": expected an integer from " +
                          std::to_string(min) + " to " + std::to_string(max));
    }
    return n;
}

std::uint64_t Env::bytes(std::string_view name, std::uint64_t fallback) const {
    auto v = get(name);
    if (!v || v->empty()) {
        return fallback;
    }
    auto n = parse_bytes(*v);
    if (!n) {
        throw ConfigError(std::string(name) + "=" + *v +
                          ": expected a byte count such as 1048576, 512Ki, 64Mi or 1Gi");
    }
    return *n;
}

}  // namespace faas::config
