#include "gateway/routing.hpp"

#include <array>
#include <cstdint>
#include <random>

#include "core/crypto/hmac.hpp"
#include "core/http/types.hpp"
#include "core/openfaas/types.hpp"

namespace faas::gateway {

namespace {

constexpr std::string_view kPrefix = "/function/";
constexpr std::string_view kAsyncPrefix = "/async-function/";
constexpr std::string_view kBatchPrefix = "/async-batch/";

// `parts`: also fill path and query (the async routes queue them apart); the sync route needs
// only target.
FunctionRoute make_route(std::string_view addressed,
                         std::string_view rest_path,
                         std::string_view query,
                         std::string_view default_namespace,
                         bool parts) {
    FunctionRoute r;
    if (openfaas::valid_route_name(addressed)) {
        auto q = openfaas::split_name(addressed, default_namespace);
        // "fn." or ".ns": one side empty is not a function.
        if (!q.name.empty() && !q.namespace_.empty()) {
            r.name = std::move(q.name);
            r.namespace_ = std::move(q.namespace_);
        }
    }
    if (r.name.empty()) {
        // Kept for the 404 message ("error finding function <addressed>...").
        auto q = openfaas::split_name(addressed, default_namespace);
        r.namespace_ = std::move(q.namespace_);
    }
    if (parts) {
        r.path = std::string(rest_path);
        r.query = std::string(query);
    }
    r.target = rest_path.empty() ? std::string("/") : std::string(rest_path);
    if (!query.empty()) {
        r.target.push_back('?');
        r.target.append(query);
    }
    return r;
}

// "<prefix><name>[/<rest>][?query]"; `prefix` ends in '/', and the prefix without it
// ("/function") is a route with an empty name.
std::optional<FunctionRoute> parse_route_under(std::string_view prefix,
                                               std::string_view target,
                                               std::string_view default_namespace,
                                               bool parts) {
    const auto [path, query] = http::split_target(target);
    if (path == prefix.substr(0, prefix.size() - 1)) {
        return make_route("", "", query, default_namespace, parts);
    }
    if (path.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    std::string_view rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    const std::string_view name = rest.substr(0, slash);
    // "/function/fn" and "/function/fn/" both reach the function as "/".
    const std::string_view sub =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    return make_route(name, sub, query, default_namespace, parts);
}

std::string uuid_text(std::array<std::uint8_t, 16> b, unsigned version) {
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0FU) | (version << 4U));
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(kHex[b.at(i) >> 4U]);
        out.push_back(kHex[b.at(i) & 0x0FU]);
    }
    return out;
}

}  // namespace

std::optional<FunctionRoute> parse_function_route(std::string_view target,
                                                  std::string_view default_namespace) {
    return parse_route_under(kPrefix, target, default_namespace, false);
}

std::optional<FunctionRoute> parse_async_route(std::string_view target,
                                               std::string_view default_namespace) {
    return parse_route_under(kAsyncPrefix, target, default_namespace, true);
}

std::optional<FunctionRoute> parse_batch_route(std::string_view target,
                                               std::string_view default_namespace) {
    return parse_route_under(kBatchPrefix, target, default_namespace, true);
}

FunctionRoute route_from_header(std::string_view function, std::string_view target,
                                std::string_view default_namespace) {
    const auto [path, query] = http::split_target(target);
    return make_route(function, path, query, default_namespace, false);
}

bool function_method_allowed(std::string_view method) noexcept {
    for (std::string_view m : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"}) {
        if (method == m) {
            return true;
        }
    }
    return false;
}

std::string new_call_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 8) {
        const std::uint64_t v = rng();
        for (std::size_t j = 0; j < 8; ++j) {
            b.at(i + j) = static_cast<std::uint8_t>(v >> (8U * j));
        }
    }
    return uuid_text(b, 4);
}

std::string call_id_for_key(std::string_view function, std::string_view key) {
    // HMAC with a fixed key serves as a plain hash. A newline (never in a function name)
    // separates the parts, so ("a", "b:c") and ("a:b", "c") differ.
    std::string message(function);
    message.push_back('\n');
    message.append(key);
    const auto digest = crypto::hmac_sha256("faas-call-id", message);
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); ++i) {
        b.at(i) = digest.at(i);
    }
    return uuid_text(b, 5);
}

bool looks_like_uuid(std::string_view s) noexcept {
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace faas::gateway
