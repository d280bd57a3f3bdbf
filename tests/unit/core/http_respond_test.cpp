// core/http/respond: the one mapping from an error to an HTTP answer, and send().
#include "core/http/respond.hpp"

#include <doctest/doctest.h>

#include "core/errc.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/test_server.hpp"

namespace http = faas::http;
using faas::errc;
using faas::make_error;

TEST_SUITE_BEGIN("core.http.respond");

TEST_CASE("respond: an error is answered with its errc's status and its message") {
    const auto r = http::error_response(make_error(errc::unavailable, "queue full"));
    CHECK(r.status == 503);
    CHECK(r.body == "queue full\n");
    CHECK(r.headers.get("Content-Type") ==
          std::optional<std::string_view>("text/plain; charset=utf-8"));
    CHECK(r.headers.get("X-Content-Type-Options") == std::optional<std::string_view>("nosniff"));
    CHECK(http::error_response(make_error(errc::timeout)).status == 504);
    CHECK(http::error_response(make_error(errc::timeout)).body == "timed out\n");
    const auto other = make_error(std::make_error_code(std::errc::io_error), "disk");
    CHECK(http::error_response(other).status == 500);
}

TEST_CASE("respond: the router's answers are Go's 404 and 405") {
    CHECK(http::not_found_response().status == 404);
    CHECK(http::not_found_response().body == "404 page not found\n");
    CHECK(http::method_not_allowed_response().status == 405);
    CHECK(http::method_not_allowed_response().body == "Method Not Allowed\n");
    CHECK_FALSE(http::method_not_allowed_response().headers.has("Allow"));
}

TEST_CASE("respond: send writes the response and shrugs off a write that cannot happen") {
    // The second send fails (a response was already written) and must neither throw nor
    // change what the client got.
    faas::test::TestServer server(faas::test::same_handler(
        [](http::Exchange& ex) -> faas::awaitable<void> {
            http::Response first = http::text_error(418, "first");
            co_await http::send(ex, std::move(first));
            http::Response second = http::text_error(500, "second");
            co_await http::send(ex, std::move(second));
        }));
    auto r = faas::test::http_get(server.port(), "/");
    REQUIRE(r.ok());
    CHECK(r->status == 418);
    CHECK(r->body == "first\n");
}

TEST_SUITE_END();
