#pragma once
// The one way to write JSON (Writer) and to parse it (parse(): simdjson DOM, copied out by the
// caller into its own structs before the Document dies).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/result.hpp"

namespace faas::json {

// Appends JSON text to a string. Commas are inserted automatically; the caller keeps begin/end
// balanced. Strings are escaped per RFC 8259 (control characters as \u00XX).
class Writer {
public:
    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view k);
    Writer& value(std::string_view s);
    Writer& value(const char* s) { return value(std::string_view(s)); }
    Writer& value(std::int64_t n);
    Writer& value(std::uint64_t n);
    Writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
    Writer& value(double d);
    Writer& value(bool b);
    Writer& null();
    // Inserts already-valid JSON text as one value.
    Writer& raw(std::string_view json);
    // A string value holding `bytes` in base64, written straight into the output (its alphabet
    // needs no escape): what Go's encoding/json makes of a []byte.
    Writer& base64(std::string_view bytes);
    // Room for `n` more bytes of output, for a caller that knows its size roughly.
    void reserve(std::size_t n) { out_.reserve(out_.size() + n); }

    const std::string& str() const& { return out_; }
    std::string str() && { return std::move(out_); }

private:
    void comma();
    std::string out_;
    bool need_comma_ = false;
};

void append_escaped(std::string& out, std::string_view s);

// A parsed document. Element views are valid while the Document lives.
class Document {
public:
    simdjson::dom::element root() const { return root_; }

private:
    friend Result<Document> parse(std::string_view text);
    std::unique_ptr<simdjson::dom::parser> parser_;
    simdjson::dom::element root_;
};

// Parses JSON text; malformed input is errc::bad_request with simdjson's reason.
Result<Document> parse(std::string_view text);

}  // namespace faas::json
