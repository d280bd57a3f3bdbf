#include "core/json/json.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include "core/text/text.hpp"

namespace faas::json {

void append_escaped(std::string& out, std::string_view s) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    out.push_back('"');
    // Characters that need no escape are copied in runs, not one at a time: a queued request
    // is mostly a base64 body.
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20U && c != '"' && c != '\\') {
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out.push_back(kHex[c >> 4U]);
                out.push_back(kHex[c & 15U]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

void Writer::comma() {
    if (need_comma_) {
        out_.push_back(',');
    }
    need_comma_ = true;
}

Writer& Writer::begin_object() {
    comma();
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}
Writer& Writer::end_object() {
    out_.push_back('}');
    need_comma_ = true;
    return *this;
}
Writer& Writer::begin_array() {
    comma();
    out_.push_back('[');
    need_comma_ = false;
    return *this;
}
Writer& Writer::end_array() {
    out_.push_back(']');
    need_comma_ = true;
    return *this;
}
Writer& Writer::key(std::string_view k) {
    comma();
    append_escaped(out_, k);
    out_.push_back(':');
    need_comma_ = false;
    return *this;
}
Writer& Writer::value(std::string_view s) {
    comma();
    append_escaped(out_, s);
    return *this;
}
Writer& Writer::base64(std::string_view bytes) {
    comma();
    out_.push_back('"');
    text::base64_append(out_, bytes);
    out_.push_back('"');
    return *this;
}
Writer& Writer::value(std::int64_t n) {
    comma();
    out_ += std::to_string(n);
    return *this;
}
Writer& Writer::value(std::uint64_t n) {
    comma();
    out_ += std::to_string(n);
    return *this;
}
Writer& Writer::value(double d) {
    comma();
    if (!std::isfinite(d)) {
        out_ += "null";
        return *this;
    }
    std::array<char, 32> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%.17g", d);
    out_.append(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
    return *this;
}
Writer& Writer::value(bool b) {
    comma();
    out_ += b ? "true" : "false";
    return *this;
}
Writer& Writer::null() {
    comma();
    out_ += "null";
    return *this;
}
Writer& Writer::raw(std::string_view j) {
    comma();
    out_ += j;
    return *this;
}

Result<Document> parse(std::string_view text) {
    Document doc;
    doc.parser_ = std::make_unique<simdjson::dom::parser>();
    auto result = doc.parser_->parse(text.data(), text.size(), true);
    if (result.error() != simdjson::SUCCESS) {
        return make_error(errc::bad_request,
                          std::string("invalid JSON: ") + simdjson::error_message(result.error()));
    }
    doc.root_ = result.value_unsafe();
    return doc;
}

}  // namespace faas::json
