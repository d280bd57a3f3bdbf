// What the API checks once, before any back end sees a deployment or a secret
// (provider/deployment.hpp).
#include "provider/deployment.hpp"

#include <doctest/doctest.h>

#include "tests/support/printers.hpp"

using faas::errc;
using faas::openfaas::FunctionDeployment;
using faas::openfaas::FunctionResources;
using faas::openfaas::Secret;
using faas::provider::validate_deployment;
using faas::provider::validate_secret;

namespace {

FunctionDeployment deployment(std::string service, std::string image) {
    FunctionDeployment d;
    d.service = std::move(service);
    d.image = std::move(image);
    return d;
}

std::string message_of(const faas::Status& st) { return st ? "" : st.error().what(); }

}  // namespace

TEST_SUITE("provider deployment") {

TEST_CASE("deployment: a valid deployment passes and gets the default namespace") {
    auto d = deployment("fn", "img");
    REQUIRE(validate_deployment(d, "openfaas-fn").ok());
    CHECK(d.namespace_ == "openfaas-fn");
    auto other = deployment("fn", "img");
    other.namespace_ = "team";
    REQUIRE(validate_deployment(other, "openfaas-fn").ok());
    CHECK(other.namespace_ == "team");
}

TEST_CASE("deployment: a missing or invalid name, a missing image and bad quantities are 400") {
    auto noname = deployment("", "img");
    auto st = validate_deployment(noname, "ns");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == errc::bad_request);
    CHECK(message_of(st) == "service is required");

    auto bad = deployment("Bad_Name", "img");
    const std::string invalid = message_of(validate_deployment(bad, "ns"));
    CHECK(invalid.starts_with("invalid function name \"Bad_Name\""));

    auto noimage = deployment("fn", "");
    CHECK(message_of(validate_deployment(noimage, "ns")) == "image is required");

    auto limit = deployment("fn", "img");
    limit.limits = FunctionResources{};
    limit.limits->memory = "lots";
    const std::string quantity = message_of(validate_deployment(limit, "ns"));
    CHECK(quantity.starts_with("invalid memory limit \"lots\""));

    auto request = deployment("fn", "img");
    request.requests = FunctionResources{};
    request.requests->cpu = "fast";
    CHECK(message_of(validate_deployment(request, "ns")).starts_with("requests: invalid cpu"));
}

TEST_CASE("deployment: a secret needs a DNS-1123 name") {
    Secret s;
    CHECK(message_of(validate_secret(s)) == "secret name is required");
    s.name = "Not_Valid";
    auto st = validate_secret(s);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == errc::bad_request);
    s.name = "api-key";
    CHECK(validate_secret(s).ok());
}

}  // TEST_SUITE
