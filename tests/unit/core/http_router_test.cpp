// core/http/router: patterns with named segments and a tail, and the one 404/405 decision.
#include "core/http/router.hpp"

#include <string>

#include <doctest/doctest.h>

#include "tests/support/printers.hpp"

using faas::http::Router;
using faas::http::RouteStatus;

namespace {

Router<std::string> sample() {
    Router<std::string> r;
    r.add({"GET"}, "/system/functions", "list")
        .add({"POST", "PUT", "DELETE"}, "/system/functions", "change")
        .add({"GET"}, "/system/function/{name}", "status")
        .add({"POST"}, "/system/scale-function/{name...}", "scale", "/system/scale-function/{name}")
        .add({}, "/function/{name}/{rest...}", "invoke")
        .add({}, "/function/{name}", "invoke-root")
        .add({"GET", "HEAD"}, "/", "root");
    return r;
}

}  // namespace

TEST_SUITE_BEGIN("core.http.router");

TEST_CASE("router: picks the first route whose pattern and method match") {
    const auto r = sample();
    auto m = r.match("GET", "/system/functions");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(*m.handler == "list");
    m = r.match("DELETE", "/system/functions");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(*m.handler == "change");
    CHECK(m.label == "/system/functions");
}

TEST_CASE("router: a named segment captures one non-empty segment") {
    const auto r = sample();
    auto m = r.match("GET", "/system/function/echo");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(*m.handler == "status");
    CHECK(m.params.get("name") == "echo");
    CHECK(m.params.get("other").empty());
    CHECK(r.match("GET", "/system/function/").status == RouteStatus::NotFound);
    CHECK(r.match("GET", "/system/function/a/b").status == RouteStatus::NotFound);
    CHECK(r.match("GET", "/system/function").status == RouteStatus::NotFound);
    CHECK(r.match("GET", "/system/functions/x").status == RouteStatus::NotFound);
}

TEST_CASE("router: a tail captures the rest of the path, slashes and emptiness included") {
    const auto r = sample();
    auto m = r.match("POST", "/function/echo/a/b?not-a-query");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(*m.handler == "invoke");
    CHECK(m.params.get("name") == "echo");
    CHECK(m.params.get("rest") == "a/b?not-a-query");
    m = r.match("POST", "/function/echo/");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(*m.handler == "invoke");
    CHECK(m.params.get("rest").empty());
    m = r.match("POST", "/function/echo");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(*m.handler == "invoke-root");
    m = r.match("POST", "/system/scale-function/");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(m.params.get("name").empty());
    m = r.match("POST", "/system/scale-function/a/b");
    REQUIRE(m.status == RouteStatus::Found);
    CHECK(m.params.get("name") == "a/b");
}

TEST_CASE("router: a known path with another method is 405 and keeps the route's label") {
    const auto r = sample();
    auto m = r.match("PATCH", "/system/functions");
    CHECK(m.status == RouteStatus::MethodNotAllowed);
    CHECK(m.handler == nullptr);
    CHECK(m.label == "/system/functions");
    m = r.match("GET", "/system/scale-function/echo");
    CHECK(m.status == RouteStatus::MethodNotAllowed);
    CHECK(m.label == "/system/scale-function/{name}");
}

TEST_CASE("router: an unknown path is 404 with no label") {
    const auto r = sample();
    for (const char* path : {"/nope", "/system", "/system/", "", "relative", "/function"}) {
        CAPTURE(path);
        const auto m = r.match("GET", path);
        CHECK(m.status == RouteStatus::NotFound);
        CHECK(m.label.empty());
    }
}

TEST_CASE("router: the root pattern matches only the root") {
    const auto r = sample();
    CHECK(r.match("GET", "/").status == RouteStatus::Found);
    CHECK(r.match("POST", "/").status == RouteStatus::MethodNotAllowed);
    CHECK(r.match("GET", "//").status == RouteStatus::NotFound);
}

TEST_SUITE_END();
