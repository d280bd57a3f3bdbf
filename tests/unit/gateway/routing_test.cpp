// gateway/routing: how /function/... and X-Function name a function and what the replica sees.
#include "gateway/routing.hpp"

#include <set>

#include <doctest/doctest.h>

using faas::gateway::call_id_for_key;
using faas::gateway::function_method_allowed;
using faas::gateway::looks_like_uuid;
using faas::gateway::new_call_id;
using faas::gateway::parse_async_route;
using faas::gateway::parse_batch_route;
using faas::gateway::parse_function_route;
using faas::gateway::route_from_header;

TEST_SUITE_BEGIN("gateway.routing");

TEST_CASE("routing: a bare name gets the default namespace and reaches the function as /") {
    auto r = parse_function_route("/function/env", "openfaas-fn");
    REQUIRE(r);
    CHECK(r->name == "env");
    CHECK(r->namespace_ == "openfaas-fn");
    CHECK(r->qualified() == "env.openfaas-fn");
    CHECK(r->target == "/");
    auto slash = parse_function_route("/function/env/", "openfaas-fn");
    REQUIRE(slash);
    CHECK(slash->target == "/");
}

TEST_CASE("routing: name.namespace splits on the last dot") {
    auto r = parse_function_route("/function/my.fn.staging", "openfaas-fn");
    REQUIRE(r);
    CHECK(r->name == "my.fn");
    CHECK(r->namespace_ == "staging");
}

TEST_CASE("routing: the sub-path and the raw query reach the function byte for byte") {
    auto r = parse_function_route("/function/env-test/a/b?x=1&y=%2F+2", "openfaas-fn");
    REQUIRE(r);
    CHECK(r->name == "env-test");
    CHECK(r->target == "/a/b?x=1&y=%2F+2");
    auto q = parse_function_route("/function/env-test?testing=1", "openfaas-fn");
    REQUIRE(q);
    CHECK(q->target == "/?testing=1");
}

TEST_CASE("routing: paths outside /function/ are not function routes") {
    CHECK_FALSE(parse_function_route("/functions/x", "ns"));
    CHECK_FALSE(parse_function_route("/system/functions", "ns"));
    CHECK_FALSE(parse_function_route("/", "ns"));
}

TEST_CASE("routing: an empty or invalid name comes back without a name") {
    auto empty = parse_function_route("/function/.openfaas-fn", "openfaas-fn");
    REQUIRE(empty);
    CHECK(empty->name.empty());
    CHECK(empty->qualified() == ".openfaas-fn");
    auto none = parse_function_route("/function/", "openfaas-fn");
    REQUIRE(none);
    CHECK(none->name.empty());
    auto bad = parse_function_route("/function/a%20b", "openfaas-fn");
    REQUIRE(bad);
    CHECK(bad->name.empty());
    auto trailing_dot = parse_function_route("/function/fn.", "openfaas-fn");
    REQUIRE(trailing_dot);
    CHECK(trailing_dot->name.empty());
}

TEST_CASE("routing: X-Function routes the request's own target to the named function") {
    auto r = route_from_header("echo.team", "/?a=1", "openfaas-fn");
    CHECK(r.name == "echo");
    CHECK(r.namespace_ == "team");
    CHECK(r.target == "/?a=1");
    auto bare = route_from_header("echo", "/", "openfaas-fn");
    CHECK(bare.qualified() == "echo.openfaas-fn");
    CHECK(route_from_header("e c", "/", "openfaas-fn").name.empty());
}

TEST_CASE("routing: only the provider proxy's methods reach a function") {
    for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"}) {
        CHECK(function_method_allowed(m));
    }
    CHECK_FALSE(function_method_allowed("TRACE"));
    CHECK_FALSE(function_method_allowed("CONNECT"));
    CHECK_FALSE(function_method_allowed("get"));
}

TEST_CASE("routing: call ids are distinct UUID v4 texts") {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const auto id = new_call_id();
        CHECK(looks_like_uuid(id));
        CHECK(id[14] == '4');
        CHECK(std::string("89ab").find(id[19]) != std::string::npos);
        seen.insert(id);
    }
    CHECK(seen.size() == 200);
    CHECK_FALSE(looks_like_uuid("not-a-uuid"));
}

TEST_CASE(
    "routing: the async routes name a function like /function and keep path and query apart") {
    auto r = parse_async_route("/async-function/figlet.team/a/b?x=1&y=2", "openfaas-fn");
    REQUIRE(r);
    CHECK(r->qualified() == "figlet.team");
    CHECK(r->path == "/a/b");
    CHECK(r->query == "x=1&y=2");
    CHECK(r->target == "/a/b?x=1&y=2");
    auto bare = parse_async_route("/async-function/figlet", "openfaas-fn");
    REQUIRE(bare);
    CHECK(bare->qualified() == "figlet.openfaas-fn");
    CHECK(bare->path.empty());
    CHECK(bare->query.empty());
    auto none = parse_async_route("/async-function", "openfaas-fn");
    REQUIRE(none);
    CHECK(none->name.empty());
    CHECK_FALSE(parse_async_route("/function/figlet", "openfaas-fn"));
    CHECK_FALSE(parse_async_route("/async-functions/figlet", "openfaas-fn"));
    auto batch = parse_batch_route("/async-batch/figlet/x", "openfaas-fn");
    REQUIRE(batch);
    CHECK(batch->qualified() == "figlet.openfaas-fn");
    CHECK(batch->path == "/x");
    CHECK_FALSE(parse_batch_route("/async-function/figlet", "openfaas-fn"));
    // The sync route relays `target` and leaves path and query unset (no copies per call).
    auto sync = parse_function_route("/function/figlet/p?q=1", "openfaas-fn");
    REQUIRE(sync);
    CHECK(sync->target == "/p?q=1");
    CHECK(sync->path.empty());
    CHECK(sync->query.empty());
}

TEST_CASE("routing: an idempotency key gives the same UUID-shaped call id per function") {
    const auto a = call_id_for_key("echo.openfaas-fn", "delivery-1");
    CHECK(looks_like_uuid(a));
    CHECK(a[14] == '5');
    CHECK(a == call_id_for_key("echo.openfaas-fn", "delivery-1"));
    CHECK(a != call_id_for_key("echo.openfaas-fn", "delivery-2"));
    CHECK(a != call_id_for_key("other.openfaas-fn", "delivery-1"));
    CHECK(call_id_for_key("a", "b:c") != call_id_for_key("a:b", "c"));
}

TEST_SUITE_END();
