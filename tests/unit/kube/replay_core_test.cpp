// Replays of the core-group transcripts the stand-in answers on its own: Services (50, 59),
// Secrets (80-89), pod status patches (52, 56), lists and pagination (58, 70-72, 76, 90),
// pod logs (91-94) and pod deletion (B0-B5). States are seeded from the recordings.
#include <doctest/doctest.h>

#include "tests/unit/kube/standin.hpp"

namespace faas::test::kube {

namespace {

Value item_of(const Value& list, std::size_t i, std::string_view kind) {
    Value item = list.at({"items"})->items().at(i);
    item["kind"] = kind;
    item["apiVersion"] = "v1";
    return item;
}

void seed_items(StandIn& s, const Gvr& gvr, const Transcript& t, std::string_view kind) {
    const Value body = recorded_body(t);
    for (std::size_t i = 0; i < body.at({"items"})->size(); ++i) {
        (void)s.seed(gvr, item_of(body, i, kind));
    }
}

Value pod(const std::string& name, const std::string& node, const std::string& uid = {}) {
    Value p = Value::object();
    p.set({"metadata", "name"}, name);
    p.set({"metadata", "namespace"}, "openfaas-fn");
    p.set({"metadata", "labels", "faas_function"}, name);
    if (!uid.empty()) {
        p.set({"metadata", "uid"}, uid);
    }
    Value container = Value::object();
    container["name"] = "echo";
    container["image"] = "functions/alpine:latest";
    p.set({"spec", "containers"}, Value::Array{container});
    if (!node.empty()) {
        p.set({"spec", "nodeName"}, node);
    }
    p.set({"status", "phase"}, "Pending");
    return p;
}

}  // namespace

TEST_SUITE("kube stand-in: core resources") {

TEST_CASE("kube stand-in: Service create allocates a ClusterIP; delete answers the object "
          "(50, 59)") {
    StandIn s;
    s.namespace_exists();
    for (const auto* file : {"50-svc-create.json", "59-svc-delete.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: Secrets: create, stringData, list, bad base64, PUT, delete (80-89)") {
    StandIn s;
    s.namespace_exists();
    for (const auto* file :
         {"80-secret-create.json", "81-secret-create-stringdata.json",
          "82-secret-list-by-label.json", "83-secret-create-bad-base64-400.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
    const auto t84 = load_transcript("84-secret-put.json");
    http::Request put = t84.http_request("admin-token");
    auto body = Value::parse(put.body);
    REQUIRE(body.ok());
    body->set({"metadata", "resourceVersion"},
              s.current_rv(gvr::kSecrets, "openfaas-fn", "echo-api-key"));
    put.body = body->dump();
    expect_matches_transcript(t84, s.call(std::move(put)));
    for (const auto* file : {"85-secret-put-without-rv.json", "86-secret-delete.json",
                             "87-secret-delete-again-404.json", "88-secret-put-missing-404.json",
                             "89-secret-put-name-mismatch-400.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: a pod status merge patch writes only the status (52, 56)") {
    for (const auto* file : {"52-pod-status-patch-ready.json",
                             "56-pod-status-patch-loopback-ip.json"}) {
        StandIn s;
        s.namespace_exists();
        const auto t = load_transcript(file);
        // Before the patch: the recorded pod without the status fields the patch sets.
        Value stored = recorded_body(t);
        const Value patch = recorded_request_body(t);
        for (const auto& [key, value] : patch.at({"status"})->members()) {
            stored.erase({"status", key});
        }
        (void)s.seed(gvr::kPods, stored);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: lists: by label, by field, paged with continue, bad continue, "
          "too old (58, 70-72, 76, 90)") {
    StandIn s;
    s.namespace_exists();
    const auto t70 = load_transcript("70-list-pods-limit1.json");
    const auto t71 = load_transcript("71-list-pods-continue.json");
    seed_items(s, gvr::kPods, t70, "Pod");
    seed_items(s, gvr::kPods, t71, "Pod");
    // The recorded cluster had a third pod after the second page (71 carries a continue).
    Value third = item_of(recorded_body(t71), 0, "Pod");
    third.set({"metadata", "name"}, "echo-7db47b6995-zzzzz");
    third.erase({"metadata", "uid"});
    (void)s.seed(gvr::kPods, third);
    expect_matches_transcript(t70, s.send(t70), {"metadata.resourceVersion"});
    // The recorded token names the real server's revision; the page after its key is the same.
    expect_matches_transcript(t71, s.send(t71));
    for (const auto* file : {"72-list-pods-bad-continue-400.json", "76-list-rv1-exact-410.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }

    StandIn fresh;
    fresh.namespace_exists();
    const auto t90 = load_transcript("90-pods-list-by-label.json");
    seed_items(fresh, gvr::kPods, t90, "Pod");
    (void)fresh.seed(gvr::kPods, pod("other", ""));
    expect_matches_transcript(t90, fresh.send(t90));

    const auto t58 = load_transcript("58-events-endpointslice-error.json");
    seed_items(fresh, gvr::kEvents, t58, "Event");
    Value other = item_of(recorded_body(t58), 0, "Event");
    other.set({"metadata", "name"}, "echo.other");
    other["reason"] = "SuccessfulCreate";
    (void)fresh.seed(gvr::kEvents, other);
    expect_matches_transcript(t58, fresh.send(t58));
}

TEST_CASE("kube stand-in: pod logs without a kubelet: 204 unscheduled, 500 on a node, 400 bad "
          "container, 404 no pod (91-94)") {
    StandIn s;
    s.namespace_exists();
    (void)s.seed(gvr::kPods, pod("unschedulable", ""));
    (void)s.seed(gvr::kPods, pod("echo-7db47b6995-nnn98", "fake-node-1"));
    Value node = Value::object();
    node.set({"metadata", "name"}, "fake-node-1");
    Value address = Value::object();
    address["type"] = "InternalIP";
    address["address"] = "127.0.0.1";
    node.set({"status", "addresses"}, Value::Array{address});
    (void)s.seed(gvr::kNodes, node);
    for (const auto* file : {"91-pod-log-unscheduled.json", "92-pod-log-pending-on-node.json",
                             "93-pod-log-bad-container-400.json",
                             "94-pod-log-missing-pod-404.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t));
    }
}

TEST_CASE("kube stand-in: pod deletion: graceful keeps a scheduled pod, force removes it, "
          "preconditions, unscheduled goes at once (B0-B5)") {
    StandIn s;
    s.namespace_exists();
    const auto b0 = load_transcript("B0-pod-terminating-get.json");
    // B0-B2's recordings are trimmed (no kind/apiVersion, the spec as a "spec.nodeName" key).
    Value terminating = recorded_body(b0);
    terminating.set({"spec", "nodeName"}, terminating.string_at({"spec.nodeName"}));
    terminating.erase("spec.nodeName");
    (void)s.seed(gvr::kPods, terminating);
    const std::vector<std::string> trimmed{"kind", "apiVersion", "spec", "spec.nodeName",
                                           "status"};
    for (const auto* file : {"B0-pod-terminating-get.json", "B1-pod-delete-again-graceful.json",
                             "B2-pod-force-delete.json",
                             "B3-pod-get-after-force-delete-404.json"}) {
        const auto t = load_transcript(file);
        expect_matches_transcript(t, s.send(t), trimmed);
    }
    const auto b5 = load_transcript("B5-pod-delete-unscheduled.json");
    Value unscheduled = recorded_body(b5);
    unscheduled.erase("_trimmed");
    for (auto key : {"deletionTimestamp", "deletionGracePeriodSeconds"}) {
        unscheduled.erase({"metadata", key});
    }
    (void)s.seed(gvr::kPods, unscheduled);
    const auto b4 = load_transcript("B4-pod-delete-precondition-409.json");
    expect_matches_transcript(b4, s.send(b4));
    expect_matches_transcript(b5, s.send(b5), {"apiVersion"});
    CHECK(s.send("GET", "/api/v1/namespaces/openfaas-fn/pods/unschedulable").status == 404);
}

}  // TEST_SUITE

}  // namespace faas::test::kube
