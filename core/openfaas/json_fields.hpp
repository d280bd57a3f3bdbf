#pragma once
// Private to core/openfaas's codecs: reading optional members of a parsed JSON object with errors
// that name the record and the key.
#include <initializer_list>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/result.hpp"

namespace faas::openfaas::detail {

// A missing or null member leaves `out` alone; any other non-string is errc::bad_request
// "<record>: \"<parent><key>\" must be a string" (`parent` names an enclosing object, "A.").
inline Status read_string(simdjson::dom::object obj,
                          std::string_view record,
                          std::string_view key,
                          std::string& out,
                          std::string_view parent = {}) {
    simdjson::dom::element e;
    if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) {
        return {};
    }
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) {
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

}  // namespace faas::openfaas::detail
