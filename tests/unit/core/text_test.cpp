// core/text: header canonicalisation as Go does it, base64, splitting and formatting helpers.
#include "core/text/text.hpp"

#include <array>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/printers.hpp"

namespace text = faas::text;

TEST_SUITE_BEGIN("core.text");
TEST_CASE("text: canonical header keys follow Go's textproto") {
    CHECK(text::canonical_header_key("x-call-id") == "X-Call-Id");
    CHECK(text::canonical_header_key("CONTENT-TYPE") == "Content-Type");
    CHECK(text::canonical_header_key("content-length") == "Content-Length");
    CHECK(text::canonical_header_key("X-Custom") == "X-Custom");
    CHECK(text::canonical_header_key("x_custom") == "X_custom");
    CHECK(text::canonical_header_key("a") == "A");
    CHECK(text::canonical_header_key("") == "");
    // Keys with non-token characters are returned unchanged, as Go does.
    CHECK(text::canonical_header_key("bad key") == "bad key");
    CHECK(text::canonical_header_key("x-c\xC3\xA9") == "x-c\xC3\xA9");
}

TEST_CASE("text: base64_append adds to what the string holds") {
    std::string out = "x:";
    text::base64_append(out, "foob");
    CHECK(out == "x:Zm9vYg==");
    text::base64_append(out, "");
    CHECK(out == "x:Zm9vYg==");
}

TEST_CASE("text: base64 encodes the RFC 4648 vectors with padding") {
    CHECK(text::base64_encode("") == "");
    CHECK(text::base64_encode("f") == "Zg==");
    CHECK(text::base64_encode("fo") == "Zm8=");
    CHECK(text::base64_encode("foo") == "Zm9v");
    CHECK(text::base64_encode("foob") == "Zm9vYg==");
    CHECK(text::base64_encode("fooba") == "Zm9vYmE=");
    CHECK(text::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(text::base64_encode("hello") == "aGVsbG8=");
}

TEST_CASE("text: base64 decodes what it encodes for every length and byte") {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<char>(i));
    }
    for (std::size_t len = 0; len <= all.size(); len += (len < 8 ? 1 : 37)) {
        const std::string data = all.substr(0, len);
        CAPTURE(len);
        CHECK(text::base64_decode(text::base64_encode(data)) == data);
    }
    CHECK(text::base64_decode("Zm9vYg==") == std::string("foob"));
    CHECK(text::base64_decode("Zm9vYmE=") == std::string("fooba"));
    CHECK(text::base64_decode("") == std::string());
}

TEST_CASE("text: base64 rejects characters outside the alphabet") {
    CHECK_FALSE(text::base64_decode("Zm9v!").has_value());
    CHECK_FALSE(text::base64_decode("Zm 9v").has_value());
    CHECK_FALSE(text::base64_decode("Zm9v-_").has_value());
}

TEST_CASE("text: split_spaces splits fprocess on single spaces without empty fields") {
    using V = std::vector<std::string>;
    CHECK(text::split_spaces("cat") == V{"cat"});
    CHECK(text::split_spaces("sh -c echo") == V{"sh", "-c", "echo"});
    CHECK(text::split_spaces("  head  -c 10 ") == V{"head", "-c", "10"});
    CHECK(text::split_spaces("").empty());
    CHECK(text::split_spaces("   ").empty());
    // No shell quoting: quotes stay part of the fields.
    CHECK(text::split_spaces("sh -c 'a b'") == V{"sh", "-c", "'a", "b'"});
    // Only spaces separate: a tab is part of a field.
    CHECK(text::split_spaces("a\tb c") == V{"a\tb", "c"});
}

TEST_CASE("text: iequals and trim") {
    CHECK(text::iequals("Content-Type", "content-type"));
    CHECK_FALSE(text::iequals("Content-Type", "content-typ"));
    CHECK(text::iequals("", ""));
    CHECK(text::trim("  a b \r\n\t") == "a b");
    CHECK(text::trim("   ") == "");
}

TEST_CASE("text: hex and fixed-point seconds and human sizes") {
    const std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xab, 0xff};
    CHECK(text::hex_encode(bytes) == "000fabff");
    CHECK(text::seconds_fixed6(1.5) == "1.500000");
    CHECK(text::seconds_fixed6(0.0000004) == "0.000000");
    CHECK(text::human_bytes(13) == "13 B");
    CHECK(text::human_bytes(999) == "999 B");
    CHECK(text::human_bytes(1234) == "1.2 kB");
    CHECK(text::human_bytes(5'000'000) == "5.0 MB");
}

TEST_CASE("text: hex decodes either case and rejects odd lengths and non-hex digits") {
    CHECK(text::hex_digit('0') == 0);
    CHECK(text::hex_digit('f') == 15);
    CHECK(text::hex_digit('F') == 15);
    CHECK(text::hex_digit('g') == -1);
    CHECK(text::hex_decode("") == std::optional<std::string>(""));
    const std::optional<std::string> bytes(std::string("\x00\x0f\xab\xff", 4));
    CHECK(text::hex_decode("000fabff") == bytes);
    CHECK(text::hex_decode("000FABFF") == bytes);
    CHECK_FALSE(text::hex_decode("abc").has_value());
    CHECK_FALSE(text::hex_decode("zz").has_value());
    CHECK_FALSE(text::hex_decode("0g").has_value());
    CHECK_FALSE(text::hex_decode("  ").has_value());
    const std::string all = [] {
        std::string s;
        for (int i = 0; i < 256; ++i) {
            s.push_back(static_cast<char>(i));
        }
        return s;
    }();
    const auto* data = reinterpret_cast<const unsigned char*>(all.data());
    const auto encoded = text::hex_encode(std::span(data, all.size()));
    CHECK(text::hex_decode(encoded) == std::optional<std::string>(all));
}

TEST_CASE("text: split_list trims items and skips empty ones") {
    using V = std::vector<std::string>;
    CHECK(text::split_list("", ',') == V{});
    CHECK(text::split_list(" , ,", ',') == V{});
    CHECK(text::split_list("a", ',') == V{"a"});
    CHECK(text::split_list(" a , b,,c ,", ',') == V{"a", "b", "c"});
    CHECK(text::split_list("\ta b\t;c", ';') == V{"a b", "c"});
    CHECK(text::split_list("a,b", ';') == V{"a,b"});
}

TEST_SUITE_END();

TEST_CASE("text: percent_encode keeps what the predicate keeps and escapes the rest as %XX") {
    constexpr auto letters = [](char c) { return c >= 'a' && c <= 'z'; };
    CHECK(faas::text::percent_encode("ab.c d%", letters) == "ab%2Ec%20d%25");
    CHECK(faas::text::percent_encode(std::string_view("\xff\x00", 2), letters) == "%FF%00");
    CHECK(faas::text::percent_encode("", letters).empty());
}
