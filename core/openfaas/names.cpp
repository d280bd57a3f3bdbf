// Function and namespace names: splitting "fn.ns" and the naming rules.
#include "core/openfaas/types.hpp"

namespace faas::openfaas {

QualifiedName split_name(std::string_view name, std::string_view default_namespace) {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) {
        return {std::string(name), std::string(default_namespace)};
    }
    return {std::string(name.substr(0, dot)), std::string(name.substr(dot + 1))};
}

bool valid_route_name(std::string_view name) noexcept {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool valid_dns_label(std::string_view name) noexcept {
    if (name.empty() || name.size() > 63) {
        return false;
    }
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(name.front()) || !alnum(name.back())) {
        return false;
    }
    for (char c : name) {
        if (!alnum(c) && c != '-') {
            return false;
        }
    }
    return true;
}

}  // namespace faas::openfaas
