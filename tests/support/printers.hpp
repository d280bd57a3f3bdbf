#pragma once
// How doctest prints our types (and std ones it cannot) in failed checks.
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>

#include <doctest/doctest.h>

#include "core/errc.hpp"

namespace doctest {

template <>
struct StringMaker<std::error_code> {
    static String convert(const std::error_code& ec) {
        const std::string s = std::string(ec.category().name()) + ":" + std::to_string(ec.value()) +
                              " (" + ec.message() + ")";
        return String(s.c_str());
    }
};

template <>
struct StringMaker<faas::errc> {
    static String convert(faas::errc e) {
        return StringMaker<std::error_code>::convert(make_error_code(e));
    }
};

template <class T>
struct StringMaker<std::optional<T>> {
    static String convert(const std::optional<T>& v) {
        if (!v) {
            return "nullopt";
        }
        return String("optional(") + toString(*v) + ")";
    }
};

template <>
struct StringMaker<std::string_view> {
    static String convert(std::string_view s) {
        const std::string q = "\"" + std::string(s) + "\"";
        return String(q.c_str());
    }
};

}  // namespace doctest
