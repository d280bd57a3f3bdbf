#pragma once
// Every leaf of a JSON document (a scalar or an empty object) as (JSON pointer, value as JSON
// text), for comparing the shape and values of what the back end writes with what the real
// server was sent.
#include <map>
#include <string>

#include "core/json/json.hpp"

namespace faas::test::kube {

inline void collect_leaves(simdjson::dom::element e, const std::string& at,
                           std::map<std::string, std::string>& out) {
    if (e.is_object() && simdjson::dom::object(e).size() == 0) {
        out[at] = "{}";
    } else if (e.is_object()) {
        for (auto [k, v] : simdjson::dom::object(e)) {
            std::string key;
            for (char c : k) {
                if (c == '~') {
                    key += "~0";
                } else if (c == '/') {
                    key += "~1";
                } else {
                    key += c;
                }
            }
            std::string below = at;
            below += "/" + key;
            collect_leaves(v, below, out);
        }
    } else if (e.is_array()) {
        std::size_t i = 0;
        for (auto v : simdjson::dom::array(e)) {
            collect_leaves(v, at + "/" + std::to_string(i++), out);
        }
    } else {
        out[at] = simdjson::minify(e);
    }
}

// The leaves of JSON text `text`; empty when it does not parse.
inline std::map<std::string, std::string> leaves(const std::string& text) {
    std::map<std::string, std::string> out;
    auto doc = json::parse(text);
    if (doc) {
        collect_leaves(doc->root(), "", out);
    }
    return out;
}

}  // namespace faas::test::kube
