// RFC 3339 times as the provider API reads them (provider/query.hpp).
#include <chrono>

#include <doctest/doctest.h>

#include "provider/query.hpp"
#include "tests/support/printers.hpp"

using faas::provider::parse_rfc3339;

TEST_SUITE("provider query") {

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
