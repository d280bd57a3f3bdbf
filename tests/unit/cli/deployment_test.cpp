// cli/stack to_deployment(): the FunctionDeployment faas deploy sends (docs/wire-contract.md §6).
#include <doctest/doctest.h>

#include "cli/api.hpp"
#include "cli/stack.hpp"
#include "core/json/json.hpp"

using faas::cli::DeployOverrides;
using faas::cli::StackFunction;
using faas::cli::to_deployment;

namespace {

StackFunction sample() {
    StackFunction fn;
    fn.name = "env-test";
    fn.image = "env-test:latest";
    fn.fprocess = "env";
    fn.environment = {{"a", "1"}, {"b", "2"}};
    fn.secrets = {"s1"};
    fn.labels = {{"l1", "x"}};
    fn.annotations = {{"n1", "y"}};
    fn.limits.memory = "128Mi";
    return fn;
}

}  // namespace

TEST_SUITE("cli deployment") {
    TEST_CASE("deployment: stack fields map to the faas-provider keys") {
        const std::string json = faas::openfaas::to_json(to_deployment(sample(), {}));
        auto doc = faas::json::parse(json);
        REQUIRE(doc.ok());
        auto root = doc->root();
        CHECK(std::string_view(root["service"]) == "env-test");
        CHECK(std::string_view(root["image"]) == "env-test:latest");
        CHECK(std::string_view(root["envProcess"]) == "env");
        CHECK(std::string_view(root["envVars"]["b"]) == "2");
        CHECK(std::string_view(root["secrets"].at(0)) == "s1");
        CHECK(std::string_view(root["labels"]["l1"]) == "x");
        CHECK(std::string_view(root["annotations"]["n1"]) == "y");
        CHECK(std::string_view(root["limits"]["memory"]) == "128Mi");
        // Only non-empty resources are sent, and no namespace when none was given.
        CHECK(root["limits"]["cpu"].error() != simdjson::SUCCESS);
        CHECK(root["requests"].error() != simdjson::SUCCESS);
        CHECK(root["namespace"].error() != simdjson::SUCCESS);
    }

    TEST_CASE("deployment: command-line flags win over the stack") {
        DeployOverrides o;
        o.env = {{"b", "flag"}, {"c", "3"}};
        o.labels = {{"l2", "z"}};
        o.annotations = {{"n1", "flag"}};
        o.secrets = {"s1", "s2"};
        o.namespace_ = "dev";
        auto d = to_deployment(sample(), o);
        REQUIRE(d.env_vars.has_value());
        CHECK(d.env_vars->at("a") == "1");
        CHECK(d.env_vars->at("b") == "flag");
        CHECK(d.env_vars->at("c") == "3");
        CHECK(d.labels->at("l1") == "x");
        CHECK(d.labels->at("l2") == "z");
        CHECK(d.annotations->at("n1") == "flag");
        CHECK(d.secrets == std::vector<std::string>{"s1", "s2"});
        CHECK(d.namespace_ == "dev");
    }

    TEST_CASE("deployment: empty labels and annotations are sent as {} and no envVars key") {
        StackFunction fn;
        fn.name = "bare";
        fn.image = "bare";
        fn.fprocess = "cat";
        const std::string json = faas::openfaas::to_json(to_deployment(fn, {}));
        CHECK(json.find("\"labels\":{}") != std::string::npos);
        CHECK(json.find("\"annotations\":{}") != std::string::npos);
        CHECK(json.find("envVars") == std::string::npos);
    }

    TEST_CASE("deployment: an existing handler directory becomes the workdir annotation") {
        StackFunction fn = sample();
        fn.handler_dir = "/srv/fn";
        auto d = to_deployment(fn, {});
        CHECK(d.annotations->at(std::string(faas::cli::kWorkdirAnnotation)) == "/srv/fn");
    }

    TEST_CASE("deployment: gateway URLs parse with and without scheme, prefix and trailing slash") {
        auto a = faas::cli::gateway_config("http://gw.example:31112/");
        REQUIRE(a.ok());
        CHECK(a->endpoint.host == "gw.example");
        CHECK(a->endpoint.port == 31112);
        CHECK(a->prefix.empty());
        CHECK(a->url == "http://gw.example:31112");
        auto b = faas::cli::gateway_config("127.0.0.1:8080/faas");
        REQUIRE(b.ok());
        CHECK(b->prefix == "/faas");
        CHECK_FALSE(faas::cli::gateway_config("https://secure").ok());
        CHECK(faas::cli::query_string({{"name", "a b"}, {"x", "1&2"}}) == "?name=a%20b&x=1%262");
    }
}
