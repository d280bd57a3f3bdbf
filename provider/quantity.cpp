#include "provider/quantity.hpp"

#include <array>
#include <cmath>
#include <string>
#include <utility>

namespace faas::provider {

namespace {

// Splits "12.5Mi" into the number 12.5 and the suffix "Mi". Only digits and one '.' are
// accepted before the suffix (no sign: limits are never negative).
std::optional<std::pair<double, std::string_view>> split_number(std::string_view q) {
    std::size_t i = 0;
    bool dot = false;
    bool digits = false;
    while (i < q.size()) {
        const char c = q[i];
        if (c >= '0' && c <= '9') {
            digits = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
        ++i;
    }
    if (!digits) {
        return std::nullopt;
    }
    const std::string number(q.substr(0, i));
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return std::make_pair(v, q.substr(i));
}

std::optional<double> multiplier(std::string_view suffix) {
    static constexpr std::array<std::pair<std::string_view, double>, 14> kSuffixes{{
        {"", 1.0},
        {"m", 1e-3},
        {"k", 1e3},
        {"M", 1e6},
        {"G", 1e9},
        {"T", 1e12},
        {"P", 1e15},
        {"E", 1e18},
        {"Ki", 1024.0},
        {"Mi", 1024.0 * 1024},
        {"Gi", 1024.0 * 1024 * 1024},
        {"Ti", 1024.0 * 1024 * 1024 * 1024},
        {"Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
        {"Ei", 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024},
    }};
    for (const auto& [s, m] : kSuffixes) {
        if (s == suffix) {
            return m;
        }
    }
    // Decimal exponent form: "1e3", "5E6".
    if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
        int exp = 0;
        for (std::size_t i = 1; i < suffix.size(); ++i) {
            if (suffix[i] < '0' || suffix[i] > '9' || exp > 30) {
                return std::nullopt;
            }
            exp = exp * 10 + (suffix[i] - '0');
        }
        return std::pow(10.0, exp);
    }
    return std::nullopt;
}

std::optional<double> parse(std::string_view q) {
    auto parts = split_number(q);
    if (!parts) {
        return std::nullopt;
    }
    auto m = multiplier(parts->second);
    if (!m) {
        return std::nullopt;
    }
    return parts->first * *m;
}

}  // namespace

std::optional<std::uint64_t> parse_memory_quantity(std::string_view q) {
    auto v = parse(q);
    if (!v || *v > 9.0e18) {
        return std::nullopt;
    }
    // Kubernetes rounds fractional bytes up.
    return static_cast<std::uint64_t>(std::ceil(*v));
}

std::optional<std::uint64_t> parse_cpu_quantity(std::string_view q) {
    auto v = parse(q);
    if (!v || *v > 1.0e12) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(std::ceil(*v * 1000.0));
}

Result<ReplicaLimits> parse_limits(const std::optional<openfaas::FunctionResources>& limits) {
    ReplicaLimits out;
    if (!limits) {
        return out;
    }
    if (!limits->memory.empty()) {
        auto m = parse_memory_quantity(limits->memory);
        if (!m) {
            return make_error(errc::bad_request,
                              "invalid memory limit \"" + limits->memory +
                                  "\": expected a quantity such as 128Mi or 1G");
        }
        out.memory_bytes = *m;
    }
    if (!limits->cpu.empty()) {
        auto c = parse_cpu_quantity(limits->cpu);
        if (!c) {
            return make_error(errc::bad_request, "invalid cpu limit \"" + limits->cpu +
                                                     "\": expected a quantity such as 100m or 0.5");
        }
        out.cpu_millis = *c;
    }
    return out;
}

}  // namespace faas::provider
