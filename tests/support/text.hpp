#pragma once
// Small string checks shared by the tests.
#include <string_view>

namespace faas::test {

inline bool contains(std::string_view s, std::string_view needle) {
    return s.find(needle) != std::string_view::npos;
}

}  // namespace faas::test
