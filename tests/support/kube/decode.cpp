// Decoding a request body as the real server's codec does: JSON only, kind/apiVersion checked
// against the URL, unknown fields per ?fieldValidation (Strict: 400; Ignore: dropped
// silently; default Warn: dropped with a Warning), Secret data checked as base64.
#include <string>

#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

std::string cannot_handle(const Gvr& gvr, std::string_view why) {
    const std::string kind(resource_info(gvr).kind);
    return kind + " in version \"" + std::string(gvr.version) + "\" cannot be handled as a " +
           kind + ": " + std::string(why);
}

bool base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

// The byte offset Go's base64.StdEncoding reports for `s`, or -1 when it decodes.
std::ptrdiff_t bad_base64_at(std::string_view s) {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c == '=') {
            // Padding may only finish a 4-character quantum with 2 or 3 digits in it.
            const std::size_t in_quantum = digits % 4;
            const std::size_t pads = in_quantum == 2 ? 2 : 1;
            if (in_quantum < 2 || s.substr(i).size() != pads ||
                s.substr(i).find_first_not_of('=') != std::string_view::npos) {
                return static_cast<std::ptrdiff_t>(i);
            }
            return -1;
        }
        if (!base64_char(c)) {
            return static_cast<std::ptrdiff_t>(i);
        }
        ++digits;
    }
    if (digits % 4 != 0) {
        return static_cast<std::ptrdiff_t>(s.size() - digits % 4);
    }
    return -1;
}

std::optional<ApiError> check_secret_data(const Gvr& gvr, const Value& object) {
    if (!(gvr == gvr::kSecrets)) {
        return std::nullopt;
    }
    for (const auto& [key, value] : object.at({"data"}) ? object.at({"data"})->members()
                                                        : Value::Object{}) {
        const auto at = bad_base64_at(value.as_string());
        if (at >= 0) {
            return bad_request(cannot_handle(
                gvr, "illegal base64 data at input byte " + std::to_string(at)));
        }
    }
    return std::nullopt;
}

}  // namespace

ApiResult<Decoded> decode_body(const ApiRequest& req, const Gvr& gvr) {
    auto parsed = Value::parse(req.body);
    if (!parsed || !parsed->is_object()) {
        return bad_request(cannot_handle(gvr, parsed ? "the body is not a JSON object"
                                                     : parsed.error().what()));
    }
    Value object = std::move(parsed).value();
    const std::string kind = object.string_at({"kind"});
    const std::string api_version = object.string_at({"apiVersion"});
    if ((!kind.empty() && kind != resource_info(gvr).kind) ||
        (!api_version.empty() && api_version != gvr.api_version())) {
        return bad_request("the API version in the data (" + api_version +
                           ") does not match the expected API version (" + gvr.api_version() +
                           ")");
    }
    Decoded out;
    auto unknown = prune_unknown_fields(gvr, object);
    const std::string validation = http::query_value(req.query, "fieldValidation");
    if (!unknown.empty() && validation == "Strict") {
        std::string why = "strict decoding error: ";
        for (std::size_t i = 0; i < unknown.size(); ++i) {
            why += (i == 0 ? "" : ", ") + std::string("unknown field \"") + unknown[i] + "\"";
        }
        return bad_request(cannot_handle(gvr, why));
    }
    if (validation != "Ignore") {
        for (const auto& path : unknown) {
            out.warnings.push_back("unknown field \"" + path + "\"");
        }
    }
    if (auto e = check_secret_data(gvr, object)) {
        return *e;
    }
    out.object = std::move(object);
    return out;
}

}  // namespace faas::test::kube
