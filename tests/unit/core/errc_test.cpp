// core/errc and core/result: the domain errors and the one mapping to HTTP status codes.
#include "core/errc.hpp"

#include <system_error>
#include <utility>

#include <doctest/doctest.h>

#include "core/result.hpp"
#include "tests/support/printers.hpp"

using faas::errc;

TEST_SUITE_BEGIN("core.errc");
TEST_CASE("errc: every domain error maps to its HTTP status") {
    const std::pair<errc, int> cases[] = {
        {errc::bad_request, 400},        {errc::unauthorized, 401},     {errc::not_found, 404},
        {errc::method_not_allowed, 405}, {errc::conflict, 409},         {errc::body_too_large, 413},
        {errc::overloaded, 429},         {errc::output_too_large, 500}, {errc::process_failed, 500},
        {errc::internal, 500},           {errc::upstream_failed, 502},  {errc::connect_failed, 502},
        {errc::unavailable, 503},        {errc::timeout, 504},
    };
    for (const auto& [code, status] : cases) {
        CAPTURE(static_cast<int>(code));
        CHECK(faas::http_status(code) == status);
    }
}

TEST_CASE("errc: codes from other categories map to 500") {
    CHECK(faas::http_status(std::make_error_code(std::errc::connection_refused)) == 500);
    CHECK(faas::http_status(std::error_code(0, std::generic_category())) == 500);
}

TEST_CASE("errc: codes carry the faas category and readable messages") {
    const std::error_code ec = errc::body_too_large;
    CHECK(ec.category().name() == std::string("faas"));
    CHECK(ec.message() == "request body too large");
    CHECK(std::error_code(errc::timeout).message() == "timed out");
    CHECK(ec == errc::body_too_large);
    CHECK(ec != errc::timeout);
}

TEST_CASE("result: holds a value or an error with a message") {
    faas::Result<int> ok = 5;
    REQUIRE(ok.ok());
    CHECK(*ok == 5);
    faas::Result<int> bad = faas::make_error(errc::not_found, "no such function: x");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == errc::not_found);
    CHECK(bad.error().what() == "no such function: x");
    // Without a message, what() falls back to the code's message.
    CHECK(faas::make_error(errc::overloaded).what() == "too many requests");
    faas::Status st;
    CHECK(st.ok());
    faas::Status failed = faas::make_error(errc::internal);
    CHECK_FALSE(failed.ok());
}

TEST_SUITE_END();
