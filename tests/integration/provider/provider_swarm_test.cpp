// faas-provider with backend=swarm where dockerd cannot be reached, and the answers that need
// no dockerd: what a user sees before the Swarm is there (the Swarm itself: tests/swarm/).
#include <string>

#include <doctest/doctest.h>

#include "tests/integration/provider/provider_fixture.hpp"
#include "tests/support/printers.hpp"

using faas::test::Provider;

namespace {

Provider swarm_provider(const std::string& socket) {
    return Provider(
        {{"backend", "swarm"}, {"docker_socket", socket}, {"swarm_poll_interval", "100ms"}});
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("provider swarm") {

TEST_CASE(
    "provider swarm: without dockerd, calls that need it are 503 naming the socket, "
    "and it keeps running") {
    const std::string socket = "/nonexistent/faas-test-docker.sock";
    Provider p = swarm_provider(socket);

    auto info = p.get("/system/info");
    REQUIRE(info.ok());
    CHECK(info->status == 200);
    CHECK(contains(info->body, R"("provider":"faas-swarm")"));
    CHECK(contains(info->body, R"("orchestration":"swarm")"));

    auto list = p.get("/system/functions");
    REQUIRE(list.ok());
    CHECK(list->status == 503);
    CHECK(contains(list->body, "cannot reach dockerd at " + socket));

    CHECK(p.deploy(Provider::deployment("echo", "cat")) == 503);
    auto secrets = p.get("/system/secrets");
    REQUIRE(secrets.ok());
    CHECK(secrets->status == 503);

    // The endpoint list is served from what the watch loop last saw: empty, not an error.
    auto eps = p.get("/system/endpoints");
    REQUIRE(eps.ok());
    CHECK(eps->status == 200);
    CHECK(contains(eps->body, R"("functions":[])"));

    // One warning per outage, however many polls fail.
    auto health = p.get("/healthz");
    REQUIRE(health.ok());
    CHECK(health->status == 200);
    const std::string log = p.log();
    const auto first = log.find("swarm refresh failed");
    CHECK(first != std::string::npos);
    CHECK(log.find("swarm refresh failed", first + 1) == std::string::npos);
}

TEST_CASE(
    "provider swarm: only the default namespace exists, and other namespaces are refused "
    "before dockerd") {
    Provider p = swarm_provider("/nonexistent/faas-test-docker.sock");
    auto ns = p.get("/system/namespaces");
    REQUIRE(ns.ok());
    CHECK(ns->status == 200);
    CHECK(ns->body == R"(["openfaas-fn"])");

    auto other = p.call("POST", "/system/functions?namespace=team-a",
                        Provider::deployment("echo", "cat"));
    REQUIRE(other.ok());
    CHECK(other->status == 400);
    CHECK(contains(other->body, "only openfaas-fn"));

    auto create = p.call("POST", "/system/namespace/team-a",
                         R"({"name":"team-a","labels":{"openfaas":"1"}})");
    REQUIRE(create.ok());
    CHECK(create->status == 400);

    auto get = p.get("/system/namespace/team-a");
    REQUIRE(get.ok());
    CHECK(get->status == 404);

    auto bad = p.call("POST", "/system/functions", R"({"service":"Bad_Name","image":"x"})");
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
    CHECK(contains(bad->body, "DNS-1123"));
}

}
