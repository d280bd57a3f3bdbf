// core/json: the Writer's escaping and commas, and parse() errors.
#include "core/json/json.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/printers.hpp"

namespace json = faas::json;

TEST_SUITE_BEGIN("core.json");
TEST_CASE("json: the writer escapes quotes backslashes and control characters") {
    json::Writer w;
    w.begin_object().key("a").value(std::string_view("x\"y\\z\n\r\t\b\f\x01\x1f")).end_object();
    CHECK(w.str() == R"({"a":"x\"y\\z\n\r\t\b\f\u0001\u001f"})");
}

TEST_CASE("json: the writer copies the text between escapes whole, at either end too") {
    json::Writer w;
    const std::string plain(3000, 'A');
    w.begin_array()
        .value(std::string_view("\n" + plain + "\"" + plain + "\x02"))
        .value(std::string_view(plain))
        .value(std::string_view(""))
        .value(std::string_view("\\\\"))
        .end_array();
    CHECK(w.str() == "[\"\\n" + plain + "\\\"" + plain + "\\u0002\",\"" + plain +
                         "\",\"\",\"\\\\\\\\\"]");
}

TEST_CASE("json: base64 writes a string value of the bytes in base64") {
    json::Writer w;
    w.begin_object()
        .key("a")
        .base64("hi")
        .key("b")
        .base64(std::string_view("\0\xff\x10", 3))
        .key("c")
        .base64("")
        .end_object();
    CHECK(w.str() == R"({"a":"aGk=","b":"AP8Q","c":""})");
}

TEST_CASE("json: the writer keeps UTF-8 and DEL as they are") {
    json::Writer w;
    w.value(std::string_view("caf\xC3\xA9 \x7f"));
    CHECK(w.str() == "\"caf\xC3\xA9 \x7f\"");
}

TEST_CASE("json: the writer puts commas between members and elements") {
    json::Writer w;
    w.begin_object()
        .key("list")
        .begin_array()
        .value(1)
        .value(std::int64_t{-2})
        .value(true)
        .null()
        .value("s")
        .begin_object()
        .end_object()
        .end_array()
        .key("n")
        .value(std::numeric_limits<std::uint64_t>::max())
        .key("raw")
        .raw(R"({"x":[1]})")
        .key("f")
        .value(false)
        .end_object();
    CHECK(w.str() ==
          R"({"list":[1,-2,true,null,"s",{}],"n":18446744073709551615,"raw":{"x":[1]},"f":false})");
}

TEST_CASE("json: doubles print exactly and non-finite values as null") {
    json::Writer w;
    w.begin_array().value(1.5).value(0.1).value(std::nan("")).value(INFINITY).end_array();
    CHECK(w.str() == "[1.5,0.10000000000000001,null,null]");
}

TEST_CASE("json: writer output parses back to the same strings") {
    std::string tricky;
    for (int c = 1; c < 128; ++c) {
        tricky.push_back(static_cast<char>(c));
    }
    json::Writer w;
    w.begin_object().key("k\"ey").value(tricky).end_object();
    auto doc = json::parse(w.str());
    REQUIRE(doc.ok());
    std::string_view back;
    REQUIRE(doc->root()["k\"ey"].get(back) == simdjson::SUCCESS);
    CHECK(back == tricky);
}

TEST_CASE("json: parse gives access to objects and arrays") {
    auto doc = json::parse(R"({"a":[1,2,3],"b":{"c":"d"}})");
    REQUIRE(doc.ok());
    simdjson::dom::array a;
    REQUIRE(doc->root()["a"].get(a) == simdjson::SUCCESS);
    CHECK(a.size() == 3);
    std::string_view c;
    REQUIRE(doc->root()["b"]["c"].get(c) == simdjson::SUCCESS);
    CHECK(c == "d");
}

TEST_CASE("json: malformed JSON is a bad_request with a message") {
    for (const char* bad : {"{", "", "{\"a\":}", "[1,]", "nul", "{\"a\" 1}", "\"unterminated"}) {
        CAPTURE(bad);
        auto doc = json::parse(bad);
        REQUIRE_FALSE(doc.ok());
        CHECK(doc.error().code == faas::errc::bad_request);
        CHECK(doc.error().message.starts_with("invalid JSON: "));
        CHECK(doc.error().message.size() > std::string("invalid JSON: ").size());
    }
}

TEST_SUITE_END();
