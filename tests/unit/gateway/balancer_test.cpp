// gateway/balancer: least in flight, round-robin among equals, suspects last, tried skipped.
#include "gateway/balancer.hpp"

#include <map>

#include <doctest/doctest.h>

using faas::gateway::Balancer;
using faas::gateway::FunctionEntry;
using faas::gateway::Replica;
using faas::gateway::Snapshot;

namespace {

FunctionEntry function_with(std::initializer_list<const char*> ids) {
    FunctionEntry f;
    f.name = "f";
    f.namespace_ = "n";
    f.replicas = ids.size();
    std::uint16_t port = 1000;
    for (const char* id : ids) {
        f.endpoints.push_back(Replica{id, {"127.0.0.1", port++}});
    }
    return f;
}

std::string pick(Balancer& b, const FunctionEntry& f, const std::vector<std::string>& tried = {}) {
    auto i = b.choose("f.n", f, tried);
    return i ? f.endpoints.at(*i).id : std::string("none");
}

}  // namespace

TEST_SUITE_BEGIN("gateway.balancer");

TEST_CASE("balancer: idle replicas take turns") {
    Balancer b;
    const auto f = function_with({"a", "b", "c"});
    std::map<std::string, int> count;
    for (int i = 0; i < 30; ++i) {
        ++count[pick(b, f)];
    }
    CHECK(count["a"] == 10);
    CHECK(count["b"] == 10);
    CHECK(count["c"] == 10);
}

TEST_CASE("balancer: the replica with the fewest calls in flight wins") {
    Balancer b;
    const auto f = function_with({"a", "b", "c"});
    b.begin("a");
    b.begin("a");
    b.begin("b");
    for (int i = 0; i < 5; ++i) {
        CHECK(pick(b, f) == "c");
    }
    b.begin("c");
    b.begin("c");
    CHECK(pick(b, f) == "b");
    b.end("a");
    b.end("a");
    CHECK(pick(b, f) == "a");
    CHECK(b.in_flight("a") == 0);
    CHECK(b.in_flight("c") == 2);
}

TEST_CASE("balancer: the in-flight guard counts for the duration of a call") {
    Balancer b;
    {
        Balancer::InFlight g(b, "a");
        CHECK(b.in_flight("a") == 1);
    }
    CHECK(b.in_flight("a") == 0);
    b.end("a");  // never below zero
    CHECK(b.in_flight("a") == 0);
}

TEST_CASE("balancer: tried replicas are skipped and none is left after all were tried") {
    Balancer b;
    const auto f = function_with({"a", "b"});
    CHECK(pick(b, f, {"a"}) == "b");
    CHECK(pick(b, f, {"b"}) == "a");
    CHECK(pick(b, f, {"a", "b"}) == "none");
    CHECK(pick(b, function_with({})) == "none");
}

TEST_CASE(
    "balancer: a suspect replica is used only when nothing else is left, until the next "
    "snapshot") {
    Balancer b;
    const auto f = function_with({"a", "b"});
    b.mark_suspect("a");
    for (int i = 0; i < 4; ++i) {
        CHECK(pick(b, f) == "b");
    }
    b.begin("b");
    b.begin("b");
    CHECK(pick(b, f) == "b");  // busier, but not suspect
    CHECK(pick(b, f, {"b"}) == "a");
    Snapshot next;
    next.generation = 2;
    next.functions.emplace("f.n", f);
    b.on_snapshot(next);
    CHECK_FALSE(b.suspect("a"));
    CHECK(pick(b, f) == "a");
}

TEST_CASE("balancer: counters of replicas that left the list are dropped once idle") {
    Balancer b;
    b.begin("gone-busy");
    b.begin("gone-idle");
    b.end("gone-idle");
    b.on_snapshot(Snapshot{});
    CHECK(b.in_flight("gone-busy") == 1);
    CHECK(b.in_flight("gone-idle") == 0);
}

TEST_SUITE_END();
