// Reading the Kubernetes API's answers (provider/backends/kubernetes/parse.hpp), fed the real
// response bodies of a v1.32 API server (tests/data/kubernetes).
#include <doctest/doctest.h>

#include "provider/backends/kubernetes/parse.hpp"
#include "tests/support/printers.hpp"
#include "tests/unit/provider/backends/kubernetes/transcripts.hpp"

namespace kube = faas::provider::kubernetes;
using faas::test::kube::transcript;
using faas::test::kube::watch_lines;

namespace {

kube::DeploymentInfo deployment(const std::string& file) {
    auto d = kube::parse_deployment(transcript(file).body);
    REQUIRE(d.ok());
    return std::move(d).value();
}

kube::ScaleInfo scale(const std::string& file) {
    auto s = kube::parse_scale(transcript(file).body);
    REQUIRE(s.ok());
    return std::move(s).value();
}

kube::ApiStatus api_status(const std::string& file) {
    auto s = kube::parse_api_status(transcript(file).body);
    REQUIRE(s.has_value());
    return std::move(*s);
}

kube::ListOf<kube::SliceInfo> slices(const std::string& file) {
    auto l = kube::parse_slice_list(transcript(file).body);
    REQUIRE(l.ok());
    return std::move(l).value();
}

struct Event {
    kube::WatchEvent event;
    kube::SliceInfo slice;
};

std::vector<Event> slice_events(const std::string& file) {
    std::vector<Event> out;
    for (const auto& line : watch_lines(file)) {
        faas::json::Document doc;
        simdjson::dom::element object;
        auto ev = kube::parse_watch_event(line, doc, object);
        REQUIRE(ev.ok());
        out.push_back(Event{*ev, kube::parse_slice(object)});
    }
    return out;
}

}  // namespace

TEST_SUITE("provider kubernetes parse") {

TEST_CASE("kubernetes parse: a Deployment made by another tool is read from its spec (25)") {
    const auto d = deployment("25-deploy-get.json");
    CHECK(d.name == "echo");
    CHECK(d.namespace_ == "openfaas-fn");
    CHECK(d.resource_version == "271");
    CHECK(d.created_at == "2026-12-07T19:52:45Z");
    CHECK(d.is_function);
    CHECK(d.replicas == 1);
    // status has no availableReplicas key while no pod is ready.
    CHECK(d.available_replicas == 0);
    CHECK(d.deployment.service == "echo");
    CHECK(d.deployment.image == "functions/alpine:latest");
    CHECK(d.deployment.env_process == "cat");
    // The controller's revision annotation is not the user's.
    REQUIRE(d.deployment.annotations.has_value());
    CHECK(*d.deployment.annotations ==
          faas::openfaas::StringMap{{"prometheus.io.scrape", "false"}});
    REQUIRE(d.deployment.labels.has_value());
    CHECK(d.deployment.labels->empty());
}

TEST_CASE("kubernetes parse: replica counts the server omits at zero read as 0 (34, 45, 54, 63)") {
    // These transcripts keep only the fields that matter (status) of the Deployment.
    CHECK(deployment("34-deploy-status-at-1-replica.json").available_replicas == 0);
    CHECK(deployment("45-deploy-status-at-0-replicas.json").available_replicas == 0);
    CHECK(deployment("54-deploy-status-one-ready.json").available_replicas == 1);
    CHECK(deployment("63-deploy-status-after-scale-down.json").available_replicas == 1);
    CHECK(deployment("42-deploy-status-at-3-replicas.json").available_replicas == 0);
}

TEST_CASE("kubernetes parse: the scale subresource, spec.replicas omitted at 0 (40-46)") {
    const auto s40 = scale("40-scale-get.json");
    CHECK(s40.resource_version == "370");
    CHECK(s40.spec_replicas == 1);
    CHECK(s40.status_replicas == 1);
    CHECK(s40.selector == "faas_function=echo");
    const auto s41 = scale("41-scale-put-3.json");
    CHECK(s41.spec_replicas == 3);
    CHECK(s41.status_replicas == 1);
    CHECK(scale("43-scale-get-after-3.json").status_replicas == 3);
    const auto s44 = scale("44-scale-patch-0.json");
    CHECK(s44.spec_replicas == 0);
    CHECK(s44.status_replicas == 3);
    const auto s46 = scale("46-scale-get-at-0.json");
    CHECK(s46.spec_replicas == 0);
    CHECK(s46.status_replicas == 0);
    CHECK_FALSE(kube::parse_scale(transcript("25-deploy-get.json").body).ok());
}

TEST_CASE("kubernetes parse: ready endpoints of EndpointSlices (51, 53, 57, 62)") {
    const auto pending = slices("51-epslice-list-pending-pods.json");
    REQUIRE(pending.items.size() == 1);
    CHECK(pending.items[0].service == "echo");
    CHECK(pending.items[0].ready.empty());
    const auto ready = slices("53-epslice-with-ready-pod.json");
    CHECK(ready.resource_version == "465");
    REQUIRE(ready.items.size() == 1);
    const auto& s = ready.items[0];
    CHECK(s.name == "echo-2rnqd");
    CHECK(s.namespace_ == "openfaas-fn");
    CHECK(s.service == "echo");
    REQUIRE(s.ready.size() == 1);
    const faas::provider::EndpointInfo pod{"echo-7db47b6995-dtcjn", "198.51.100.7", 8080};
    CHECK(s.ready[0] == pod);
    // The loopback pod never made it into the slice.
    REQUIRE(slices("57-epslice-after-loopback-ip.json").items.size() == 1);
    CHECK(slices("57-epslice-after-loopback-ip.json").items[0].ready.size() == 1);
    // Terminating endpoints are not ready, even while still serving.
    const auto terminating = slices("62-epslice-with-terminating.json");
    REQUIRE(terminating.items.size() == 1);
    REQUIRE(terminating.items[0].ready.size() == 1);
    CHECK(terminating.items[0].ready[0].address == "198.51.100.7");
    CHECK(slices("68-epslice-terminating-notready.json").items[0].ready.empty());
}

TEST_CASE("kubernetes parse: watch events, bookmarks and errors (55, 60, 64, 75, 77)") {
    const auto w55 = slice_events("55-watch-epslice-pod-ready.json");
    REQUIRE(w55.size() == 2);
    CHECK(w55[0].event.type == "MODIFIED");
    CHECK(w55[0].event.resource_version == "462");
    CHECK(w55[0].slice.ready.size() == 1);
    CHECK(w55[1].event.type == "BOOKMARK");
    CHECK(w55[1].event.resource_version == "462");
    CHECK(w55[1].slice.ready.empty());

    const auto w60 = slice_events("60-watch-epslice-while-scaling.json");
    REQUIRE(w60.size() == 4);
    CHECK(w60[0].event.type == "MODIFIED");
    CHECK(w60[0].slice.ready.size() == 2);  // .7 and .9 ready, .8 terminating
    CHECK(w60[1].event.resource_version == "596");
    REQUIRE(w60[1].slice.ready.size() == 1);  // .9 is terminating now
    CHECK(w60[1].slice.ready[0].address == "198.51.100.7");
    CHECK(w60[3].event.type == "BOOKMARK");

    const auto w75 = slice_events("75-watch-rv1-410-expired.json");
    REQUIRE(w75.size() == 1);
    CHECK(w75[0].event.type == "ERROR");
    REQUIRE(w75[0].event.error.has_value());
    CHECK(w75[0].event.error->code == 410);
    CHECK(w75[0].event.error->reason == "Expired");

    const auto w64 = slice_events("64-watch-epslice-no-rv-with-bookmarks.json");
    REQUIRE(w64.size() == 1);
    REQUIRE(w64[0].event.error.has_value());
    CHECK(w64[0].event.error->code == 500);

    const auto w77 = slice_events("77-watch-epslice-rv0.json");
    REQUIRE(w77.size() == 1);
    CHECK(w77[0].event.type == "ADDED");
    CHECK(w77[0].slice.ready.size() == 1);

    faas::json::Document doc;
    simdjson::dom::element object;
    CHECK_FALSE(kube::parse_watch_event("{\"type\":\"ADDED\"}", doc, object).ok());
    CHECK_FALSE(kube::parse_watch_event("not json", doc, object).ok());
}

TEST_CASE("kubernetes parse: Status objects of errors (13, 21, 24, 26, 27, A4, A5)") {
    const auto s21 = api_status("21-deploy-create-again-409.json");
    CHECK(s21.code == 409);
    CHECK(s21.reason == "AlreadyExists");
    CHECK(s21.kind == "deployments");
    CHECK(s21.name == "echo");
    const auto s27 = api_status("27-deploy-put-stale-409.json");
    CHECK(s27.reason == "Conflict");
    CHECK(s27.message.find("the object has been modified") != std::string::npos);
    const auto s26 = api_status("26-deploy-get-missing-404.json");
    CHECK(s26.code == 404);
    CHECK(s26.reason == "NotFound");
    const auto s13 = api_status("13-ns-create-invalid-422.json");
    CHECK(s13.code == 422);
    REQUIRE(s13.causes.size() == 1);
    CHECK(s13.causes[0].field == "metadata.name");
    const auto s24 = api_status("24-deploy-create-invalid-name-422.json");
    REQUIRE(s24.causes.size() >= 2);
    CHECK(s24.causes[0].field == "metadata.name");
    const auto a4 = api_status("A4-forbidden-403-list.json");
    CHECK(a4.code == 403);
    CHECK(a4.reason == "Forbidden");
    CHECK(api_status("A5-forbidden-403-scale.json").name == "echo");
    CHECK_FALSE(kube::parse_api_status(transcript("25-deploy-get.json").body).has_value());
    CHECK_FALSE(kube::parse_api_status("dial tcp: refused").has_value());
}

TEST_CASE("kubernetes parse: Secrets, Namespaces and Pods (82, 12, 90)") {
    auto secrets = kube::parse_secret_list(transcript("82-secret-list-by-label.json").body);
    REQUIRE(secrets.ok());
    REQUIRE(secrets->items.size() == 2);
    CHECK(secrets->items[0].name == "echo-api-key");
    CHECK(secrets->items[0].data.at("echo-api-key") == "s3cr3t");
    CHECK(secrets->items[0].labels.at("app.kubernetes.io/managed-by") == "openfaas");
    CHECK(secrets->items[1].data.at("k") == "v");
    auto one = kube::parse_secret(transcript("80-secret-create.json").body);
    REQUIRE(one.ok());
    CHECK(one->resource_version == "652");

    auto namespaces = kube::parse_namespace_list(transcript("12-ns-list-by-label.json").body);
    REQUIRE(namespaces.ok());
    REQUIRE(namespaces->items.size() == 1);
    CHECK(namespaces->items[0].name == "openfaas-fn");
    CHECK(namespaces->items[0].labels.at("openfaas") == "1");

    auto pods = kube::parse_pod_names(transcript("90-pods-list-by-label.json").body);
    REQUIRE(pods.ok());
    REQUIRE_FALSE(pods->empty());
    CHECK(pods->front() == "echo-7db47b6995-dtcjn");
    CHECK_FALSE(kube::parse_pod_names("[").ok());
}

}  // TEST_SUITE
