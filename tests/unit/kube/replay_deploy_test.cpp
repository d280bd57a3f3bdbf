// Replays of the Deployment transcripts the stand-in answers on its own (20-24, 26-33, 35-37,
// 40-46 for the scale subresource): creates with defaults, field validation, conflicts,
// patches, deletes and Scale. The states they assume are seeded from the recordings.
#include <doctest/doctest.h>

#include "tests/unit/kube/standin.hpp"

namespace faas::test::kube {

namespace {

constexpr const char* kDeployments = "/apis/apps/v1/namespaces/openfaas-fn/deployments/";

// The recorded object of `t`'s response, as the store would hold it before the request.
Value before(const Transcript& t) {
    Value object = recorded_body(t);
    object.erase({"metadata", "managedFields"});
    return object;
}

// A request whose body's metadata.resourceVersion is the stand-in's current one.
http::Request with_current_rv(StandIn& s, const Transcript& t, const std::string& name) {
    http::Request req = t.http_request("admin-token");
    auto body = Value::parse(req.body);
    REQUIRE(body.ok());
    body->set({"metadata", "resourceVersion"},
              s.current_rv(gvr::kDeployments, "openfaas-fn", name));
    req.body = body->dump();
    return req;
}

Value deployment_with_replicas(const Transcript& create, std::int64_t spec, std::int64_t status) {
    Value d = before(create);
    d.set({"spec", "replicas"}, spec);
    d.set({"status", "replicas"}, status);
    return d;
}

}  // namespace

TEST_SUITE("kube stand-in: deployments") {

TEST_CASE("kube stand-in: create fills defaults; again 409; strict 400; warn 201; bad name 422 "
          "(20-24)") {
    StandIn s;
    s.namespace_exists();
    for (const auto* file :
         {"20-deploy-create.json", "21-deploy-create-again-409.json",
          "22-deploy-unknown-field-strict-400.json", "23-deploy-unknown-field-default-warn.json",
          "24-deploy-create-invalid-name-422.json", "26-deploy-get-missing-404.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
    // The strict request created nothing.
    CHECK(s.send("GET", std::string(kDeployments) + "echo-strict").status == 404);
}

TEST_CASE("kube stand-in: PUT with a stale resourceVersion 409, with the current one 200 "
          "(27, 28)") {
    StandIn s;
    s.namespace_exists();
    const auto t28 = load_transcript("28-deploy-put-current-200.json");
    // The stored object: what the PUT was based on (the controller had written status).
    Value stored = recorded_request_body(t28);
    stored.erase({"metadata", "managedFields"});
    stored.erase({"metadata", "annotations", "com.openfaas.touched"});
    (void)s.seed(gvr::kDeployments, stored);

    const auto t27 = load_transcript("27-deploy-put-stale-409.json");
    expect_matches_transcript(t27, s.send(t27));
    // The real server's generation went 1 -> 2 on this PUT for a spec change the recording
    // does not show; the stand-in bumps it only for a real spec change (checked below).
    expect_matches_transcript(t28, s.call(with_current_rv(s, t28, "echo")),
                              {"metadata.generation"});
    auto after = Value::parse(s.send("GET", std::string(kDeployments) + "echo").body);
    REQUIRE(after.ok());
    CHECK(after->int_at({"metadata", "generation"}) == 1);
    CHECK(after->string_at({"metadata", "annotations", "com.openfaas.touched"}) == "put");
}

TEST_CASE("kube stand-in: strategic merge patch merges containers and env by name (29)") {
    StandIn s;
    s.namespace_exists();
    const auto t = load_transcript("29-deploy-strategic-merge-patch.json");
    Value stored = before(t);
    stored.set({"metadata", "generation"}, 2);
    Value env = Value::array();
    Value fprocess = Value::object();
    fprocess["name"] = "fprocess";
    fprocess["value"] = "cat";
    env.push_back(fprocess);
    stored.at({"spec", "template", "spec", "containers"})->items()[0]["env"] = env;
    (void)s.seed(gvr::kDeployments, stored);
    expect_matches_transcript(t, s.send(t));
}

TEST_CASE("kube stand-in: JSON merge patch: null removes a key, lists replace (30, 31)") {
    StandIn s;
    s.namespace_exists();
    const auto t30 = load_transcript("30-deploy-json-merge-patch.json");
    Value stored = before(t30);
    stored.erase({"metadata", "labels", "com.openfaas.scale.min"});
    stored.set({"metadata", "annotations", "com.openfaas.touched"}, "put");
    (void)s.seed(gvr::kDeployments, stored);
    expect_matches_transcript(t30, s.send(t30));

    const auto t31 = load_transcript("31-deploy-json-merge-patch-replaces-list.json");
    Value full = before(t31);
    full.set({"spec", "template", "spec", "containers"},
             *before(t30).at({"spec", "template", "spec", "containers"}));
    full.set({"metadata", "generation"}, 6);
    (void)s.seed(gvr::kDeployments, full);
    expect_matches_transcript(t31, s.send(t31));
}

TEST_CASE("kube stand-in: Foreground delete keeps the object with a finalizer; Background "
          "answers a Status; again 404 (32, 33, 35, 37)") {
    StandIn s;
    s.namespace_exists();
    const auto t32 = load_transcript("32-deploy-delete-foreground.json");
    Value warn = before(t32);
    for (auto key : {"deletionTimestamp", "deletionGracePeriodSeconds", "finalizers"}) {
        warn.erase({"metadata", key});
    }
    warn.set({"metadata", "generation"}, 1);
    (void)s.seed(gvr::kDeployments, warn);
    expect_matches_transcript(t32, s.send(t32));
    // The deployment controller's observedGeneration is the controllers' part.
    const auto t33 = load_transcript("33-deploy-get-while-foreground-deleting.json");
    expect_matches_transcript(t33, s.send(t33), {"status.observedGeneration"});

    const auto create = load_transcript("20-deploy-create.json");
    REQUIRE(s.send(create).status == 201);
    for (const auto* file : {"35-deploy-delete-background.json",
                             "36-rs-list-after-background-delete.json",
                             "37-deploy-delete-missing-404.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: the scale subresource (40, 41, 43, 44, 46)") {
    StandIn s;
    s.namespace_exists();
    const auto create = load_transcript("20-deploy-create.json");
    (void)s.seed(gvr::kDeployments, deployment_with_replicas(create, 1, 1));
    const auto t40 = load_transcript("40-scale-get.json");
    expect_matches_transcript(t40, s.send(t40));
    const auto t41 = load_transcript("41-scale-put-3.json");
    expect_matches_transcript(t41, s.call(with_current_rv(s, t41, "echo")));
    auto deployment = Value::parse(s.send("GET", std::string(kDeployments) + "echo").body);
    REQUIRE(deployment.ok());
    CHECK(deployment->int_at({"spec", "replicas"}) == 3);
    CHECK(deployment->int_at({"metadata", "generation"}) == 2);

    (void)s.seed(gvr::kDeployments, deployment_with_replicas(create, 3, 3));
    const auto t43 = load_transcript("43-scale-get-after-3.json");
    expect_matches_transcript(t43, s.send(t43));
    const auto t44 = load_transcript("44-scale-patch-0.json");
    expect_matches_transcript(t44, s.send(t44));

    (void)s.seed(gvr::kDeployments, deployment_with_replicas(create, 0, 0));
    const auto t46 = load_transcript("46-scale-get-at-0.json");
    expect_matches_transcript(t46, s.send(t46));
}

TEST_CASE("kube stand-in: a stale Scale PUT is a 409 Conflict on the deployment") {
    StandIn s;
    s.namespace_exists();
    const auto create = load_transcript("20-deploy-create.json");
    (void)s.seed(gvr::kDeployments, deployment_with_replicas(create, 1, 1));
    const auto t41 = load_transcript("41-scale-put-3.json");
    http::Request req = with_current_rv(s, t41, "echo");
    auto body = Value::parse(req.body);
    REQUIRE(body.ok());
    body->set({"metadata", "resourceVersion"}, "1");
    req.body = body->dump();
    const auto res = s.call(std::move(req));
    CHECK(res.status == 409);
    auto status = Value::parse(res.body);
    REQUIRE(status.ok());
    CHECK(status->string_at({"reason"}) == "Conflict");
    CHECK(status->string_at({"details", "kind"}) == "deployments");
}

}  // TEST_SUITE

}  // namespace faas::test::kube
