#pragma once
// env_of: a config::Env that reads from a fixed map instead of the process environment.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/env.hpp"

namespace faas::test {

inline config::Env env_of(std::map<std::string, std::string> vars) {
    return config::Env(
        [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
            auto it = vars.find(std::string(name));
            if (it == vars.end()) {
                return std::nullopt;
            }
            return it->second;
        });
}

}  // namespace faas::test
