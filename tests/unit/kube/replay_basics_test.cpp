// Replays of the real server's discovery, namespace, authentication/authorization and
// request-level error transcripts (01-03, 10-13, A0-A9) against the stand-in.
#include <doctest/doctest.h>

#include "tests/unit/kube/standin.hpp"

namespace faas::test::kube {

TEST_SUITE("kube stand-in: discovery, namespaces, auth") {

TEST_CASE("kube stand-in: discovery and version answer as the real server (01, 03)") {
    StandIn s;
    for (const auto* file : {"01-api-discovery.json", "03-version.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: apps/v1 discovery lists deployments and its subresources (02)") {
    StandIn s;
    const auto t = load_transcript("02-apis-apps-v1-discovery.json");
    const auto res = s.send(t);
    // The transcript keeps only the deployments entries: compare those.
    auto actual = Value::parse(res.body);
    REQUIRE(actual.ok());
    Value expected = recorded_body(t);
    expected.erase("_trimmed");
    Value kept = Value::array();
    for (const auto& r : actual->at({"resources"})->items()) {
        if (r.string_at({"name"}).starts_with("deployments")) {
            kept.push_back(r);
        }
    }
    actual->set({"resources"}, std::move(kept));
    CHECK(res.status == 200);
    for (const auto& d : compare_bodies(expected, actual.value())) {
        FAIL_CHECK("02: " << d);
    }
}

TEST_CASE("kube stand-in: namespace create, create again, list by label, bad name (10-13)") {
    StandIn s;
    for (const auto* file : {"10-ns-create.json", "11-ns-create-again-409.json",
                             "12-ns-list-by-label.json", "13-ns-create-invalid-422.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: no credentials is 403 as system:anonymous, a bad token 401 (A0, A1)") {
    StandIn s;
    s.namespace_exists();
    const auto a0 = load_transcript("A0-no-credentials-403-anonymous.json");
    expect_matches_transcript(a0, s.send(a0, ""));
    const auto a1 = load_transcript("A1-bad-token-401.json");
    expect_matches_transcript(a1, s.send(a1, "not-a-token"));
}

TEST_CASE("kube stand-in: a ServiceAccount token without RBAC is forbidden (A2-A6)") {
    StandIn s;
    s.namespace_exists();
    const auto a2 = load_transcript("A2-sa-create.json");
    expect_matches_transcript(a2, s.send(a2));
    const auto a3 = load_transcript("A3-sa-token-request.json");
    const auto issued = s.send(a3);
    expect_matches_transcript(a3, issued);
    auto token = Value::parse(issued.body);
    REQUIRE(token.ok());
    const std::string sa_token = token->string_at({"status", "token"});
    REQUIRE(!sa_token.empty());
    for (const auto* file : {"A4-forbidden-403-list.json", "A5-forbidden-403-scale.json",
                             "A6-forbidden-403-cluster-scope.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t, sa_token));
    }
}

TEST_CASE("kube stand-in: a Role bound to the ServiceAccount grants exactly its rules") {
    StandIn s;
    s.namespace_exists();
    const std::string token = s.server().issue_token("openfaas-fn", "faas-tester");
    const auto role = R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",
        "metadata":{"name":"faas"},"rules":[{"apiGroups":["apps"],
        "resources":["deployments","deployments/scale"],"verbs":["get","list","patch"]}]})";
    const auto binding = R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
        "metadata":{"name":"faas"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
        "kind":"Role","name":"faas"},"subjects":[{"kind":"ServiceAccount",
        "name":"faas-tester","namespace":"openfaas-fn"}]})";
    const std::string base = "/apis/rbac.authorization.k8s.io/v1/namespaces/openfaas-fn/";
    REQUIRE(s.send("POST", base + "roles", role).status == 201);
    REQUIRE(s.send("POST", base + "rolebindings", binding).status == 201);

    auto as_sa = [&](std::string method, std::string target) {
        http::Request req;
        req.method = std::move(method);
        req.target = std::move(target);
        req.headers.set("Authorization", "Bearer " + token);
        return s.call(std::move(req)).status;
    };
    CHECK(as_sa("GET", "/apis/apps/v1/namespaces/openfaas-fn/deployments") == 200);
    CHECK(as_sa("GET", "/apis/apps/v1/namespaces/openfaas-fn/deployments/x/scale") == 404);
    CHECK(as_sa("DELETE", "/apis/apps/v1/namespaces/openfaas-fn/deployments/x") == 403);
    CHECK(as_sa("GET", "/apis/apps/v1/namespaces/other/deployments") == 403);
    CHECK(as_sa("GET", "/api/v1/namespaces/openfaas-fn/secrets") == 403);
}

TEST_CASE("kube stand-in: wrong patch type 415, POST on a name 405, unknown resource 404 "
          "(A7-A9)") {
    StandIn s;
    s.namespace_exists();
    const auto create = load_transcript("20-deploy-create.json");
    REQUIRE(s.send(create).status == 201);
    for (const auto* file : {"A7-unsupported-media-415.json", "A8-method-not-allowed-405.json",
                             "A9-unknown-path-404.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

}  // TEST_SUITE

}  // namespace faas::test::kube
