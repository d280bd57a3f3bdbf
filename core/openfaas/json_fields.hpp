#pragma once
// Private to core/openfaas's codecs: reading optional members of a parsed JSON object with errors
// that name the record and the key.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/json/json.hpp"
#include "core/result.hpp"

namespace faas::openfaas::detail {

// The member `key` of `obj`, nullopt when it is missing or null (both mean "not set" to every
// codec here, as to Go's decoder).
inline std::optional<simdjson::dom::element> find_member(simdjson::dom::object obj,
                                                         std::string_view key) {
    simdjson::dom::element e;
    if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) {
        return std::nullopt;
    }
    return e;
}

// A missing or null member leaves `out` alone; any other non-string is errc::bad_request
// "<record>: \"<parent><key>\" must be a string" (`parent` names an enclosing object, "A.").
inline Status read_string(simdjson::dom::object obj,
                          std::string_view record,
                          std::string_view key,
                          std::string& out,
                          std::string_view parent = {}) {
    const auto e = find_member(obj, key);
    if (!e) {
        return {};
    }
    std::string_view s;
    if (e->get_string().get(s) != simdjson::SUCCESS) {
        return make_error(errc::bad_request, std::string(record) + ": \"" + std::string(parent) +
                                                 std::string(key) + "\" must be a string");
    }
    out.assign(s);
    return {};
}

// One string member and where it goes.
struct StringField {
    std::string_view key;
    std::string* out;
};

// read_string for each field in turn; the first error wins.
inline Status read_strings(simdjson::dom::object obj,
                           std::string_view record,
                           std::initializer_list<StringField> fields,
                           std::string_view parent = {}) {
    for (const StringField& f : fields) {
        if (auto st = read_string(obj, record, f.key, *f.out, parent); !st) {
            return st;
        }
    }
    return {};
}

// A parsed document and its root object; the object is a view into the document, valid while
// it lives (moving the document keeps it valid: its parser is on the heap).
struct RootObject {
    json::Document doc;
    simdjson::dom::object obj;
};

// Parses `json`, whose root must be an object: errc::bad_request "<record>: not JSON: <why>" or
// "<record>: not a JSON object".
inline Result<RootObject> parse_root_object(std::string_view json, std::string_view record) {
    auto doc = json::parse(json);
    if (!doc) {
        return make_error(errc::bad_request,
                          std::string(record) + ": not JSON: " + doc.error().what());
    }
    RootObject root{std::move(doc).value(), {}};
    if (root.doc.root().get_object().get(root.obj) != simdjson::SUCCESS) {
        return make_error(errc::bad_request, std::string(record) + ": not a JSON object");
    }
    return root;
}

}  // namespace faas::openfaas::detail
