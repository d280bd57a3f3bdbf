// Query strings and RFC 3339 times as the provider API reads them (provider/query.hpp).
#include <chrono>

#include <doctest/doctest.h>

#include "provider/query.hpp"
#include "tests/support/printers.hpp"

using faas::provider::parse_query;
using faas::provider::parse_rfc3339;
using faas::provider::query_value;

TEST_SUITE("provider query") {

TEST_CASE("query: keys and values are percent-decoded, '+' is a space, the first value wins") {
    auto q = parse_query("name=fn&namespace=openfaas-fn&x=a%20b+c&x=second&flag&=empty");
    CHECK(query_value(q, "name") == "fn");
    CHECK(query_value(q, "namespace") == "openfaas-fn");
    CHECK(query_value(q, "x") == "a b c");
    CHECK(query_value(q, "flag").empty());
    CHECK(q.contains("flag"));
    CHECK(query_value(q, "absent").empty());
    CHECK(parse_query("").empty());
    CHECK(query_value(parse_query("bad=%zz"), "bad") == "%zz");
}

TEST_CASE("rfc3339: UTC, fractions and offsets give the same instant") {
    using namespace std::chrono;
    auto base = parse_rfc3339("2026-11-23T10:00:00Z");
    REQUIRE(base.has_value());
    CHECK(duration_cast<seconds>(base->time_since_epoch()).count() == 1795428000);
    auto frac = parse_rfc3339("2026-11-23T10:00:00.5Z");
    REQUIRE(frac.has_value());
    CHECK(*frac - *base == milliseconds(500));
    auto nanos = parse_rfc3339("2026-11-23T10:00:00.123456789Z");
    REQUIRE(nanos.has_value());
    CHECK(duration_cast<nanoseconds>(*nanos - *base).count() == 123456789);
    auto offset = parse_rfc3339("2026-11-23T11:00:00+01:00");
    REQUIRE(offset.has_value());
    CHECK(*offset == *base);
}

TEST_CASE("rfc3339: malformed times are rejected") {
    for (const char* bad : {"", "yesterday", "2026-11-23", "2026-11-23T10:00:00",
                            "2026-13-01T00:00:00Z", "2026-11-23T10:00:00.Z",
                            "2026-11-23T10:00:00Zjunk", "2026-11-23T10:00:00+0100"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_rfc3339(bad).has_value());
    }
}

}  // TEST_SUITE
