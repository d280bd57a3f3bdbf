#pragma once
// Private to core/openfaas's codecs (types.cpp): reading the members of a parsed JSON object
// with the errors Go's decoder gives (a wrong type names the key), and parsing a document's
// root object or array.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json/json.hpp"
#include "core/openfaas/json_fields.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::openfaas::detail {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

inline Error bad(std::string message) {
    return make_error(errc::bad_request, std::move(message));
}

inline const char* type_name(element_type t) {
    switch (t) {
        case element_type::ARRAY: return "array";
        case element_type::OBJECT: return "object";
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE: return "number";
        case element_type::STRING: return "string";
        case element_type::BOOL: return "boolean";
        case element_type::NULL_VALUE: return "null";
    }
    return "value";
}

// Readers: a missing key or null leaves the target as it is; a wrong type is an error naming
// the key, as Go's decoder reports it.
class Reader {
public:
    explicit Reader(object obj) : obj_(obj) {}

    std::optional<element> find(std::string_view key) const { return find_member(obj_, key); }

    Status string(std::string_view key, std::string& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        std::string_view s;
        if (e->get_string().get(s) != simdjson::SUCCESS) {
            return mismatch(key, *e, "string");
        }
        out.assign(s);
        return {};
    }

    Status boolean(std::string_view key, bool& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        if (e->get_bool().get(out) != simdjson::SUCCESS) {
            return mismatch(key, *e, "bool");
        }
        return {};
    }

    Status uint(std::string_view key, std::uint64_t& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        if (e->get_uint64().get(out) != simdjson::SUCCESS) {
            return mismatch(key, *e, "uint64");
        }
        return {};
    }

    Status number(std::string_view key, double& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        if (e->is_int64()) {
            out = static_cast<double>(e->get_int64().value_unsafe());
        } else if (e->is_uint64()) {
            out = static_cast<double>(e->get_uint64().value_unsafe());
        } else if (e->get_double().get(out) != simdjson::SUCCESS) {
            return mismatch(key, *e, "float64");
        }
        return {};
    }

    Status strings(std::string_view key, std::vector<std::string>& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        simdjson::dom::array arr;
        if (e->get_array().get(arr) != simdjson::SUCCESS) {
            return mismatch(key, *e, "[]string");
        }
        out.clear();
        for (element item : arr) {
            std::string_view s;
            if (item.get_string().get(s) != simdjson::SUCCESS) {
                return mismatch(key, item, "string");
            }
            out.emplace_back(s);
        }
        return {};
    }

    // `present` tells a null/missing map (nullopt) from an empty one.
    Status map(std::string_view key, std::optional<StringMap>& out) const {
        auto e = find(key);
        if (!e) {
            return {};
        }
        object o;
        if (e->get_object().get(o) != simdjson::SUCCESS) {
            return mismatch(key, *e, "map[string]string");
        }
        StringMap m;
        for (auto field : o) {
            std::string_view v;
            if (field.value.get_string().get(v) != simdjson::SUCCESS) {
                return bad(fmt::format("json: cannot unmarshal {} into field {}.{} of type string",
                                       type_name(field.value.type()), key, field.key));
            }
            m.insert_or_assign(std::string(field.key), std::string(v));
        }
        out = std::move(m);
        return {};
    }

    Status resources(std::string_view key, std::optional<FunctionResources>& out) const {
        std::optional<StringMap> m;
        if (auto st = map(key, m); !st) {
            return st;
        }
        if (!m) {
            return {};
        }
        FunctionResources r;
        for (auto& [k, v] : *m) {
            if (v.empty()) {
                continue;
            }
            if (k == "memory") {
                r.memory = v;
            } else if (k == "cpu") {
                r.cpu = v;
            } else {
                r.other.emplace(k, v);
            }
        }
        if (!r.empty()) {
            out = std::move(r);
        }
        return {};
    }

private:
    static Status mismatch(std::string_view key, const element& e, std::string_view want) {
        return bad(fmt::format("json: cannot unmarshal {} into field {} of type {}",
                               type_name(e.type()), key, want));
    }
    object obj_;
};

// Parses `text` and hands its root object to `fill`.
template <class T, class Fill>
Result<T> parse_object(std::string_view text, std::string_view what, Fill fill) {
    auto doc = json::parse(text);
    if (!doc) {
        return bad(fmt::format("invalid {} JSON: {}", what, doc.error().what()));
    }
    object obj;
    if (doc->root().get_object().get(obj) != simdjson::SUCCESS) {
        return bad(fmt::format("invalid {} JSON: expected an object, got {}", what,
                               type_name(doc->root().type())));
    }
    T out;
    if (auto st = fill(Reader(obj), out); !st) {
        return bad(fmt::format("invalid {} JSON: {}", what, st.error().what()));
    }
    return out;
}

template <class T, class Parse>
Result<std::vector<T>> parse_array(std::string_view text, std::string_view what, Parse each) {
    auto doc = json::parse(text);
    if (!doc) {
        return bad(fmt::format("invalid {} JSON: {}", what, doc.error().what()));
    }
    if (doc->root().is_null()) {
        return std::vector<T>{};
    }
    simdjson::dom::array arr;
    if (doc->root().get_array().get(arr) != simdjson::SUCCESS) {
        return bad(fmt::format("invalid {} JSON: expected an array", what));
    }
    std::vector<T> out;
    for (element item : arr) {
        auto r = each(item);
        if (!r) {
            return r.error();
        }
        out.push_back(std::move(r.value()));
    }
    return out;
}

// An array of objects, each read by `fill` as parse_object reads one.
template <class T, class Fill>
Result<std::vector<T>> parse_object_array(std::string_view text, std::string_view what, Fill fill) {
    return parse_array<T>(text, what, [&](element e) -> Result<T> {
        object o;
        if (e.get_object().get(o) != simdjson::SUCCESS) {
            return bad(fmt::format("invalid {} JSON: expected objects", what));
        }
        T out;
        if (auto st = fill(Reader(o), out); !st) {
            return st.error();
        }
        return out;
    });
}

}  // namespace faas::openfaas::detail
