// /system/* through the real gateway to the real provider: pass-through, basic auth, the
// function list's invocation counts, /system/info, logs, alerts, the UI and the metrics port.
#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"
#include "tests/integration/gateway/gateway_fixture.hpp"
#include "tests/support/wait.hpp"

using faas::test::EnvMap;
using faas::test::has_series;
using faas::test::header_of;
using faas::test::metric_value;
using faas::test::Platform;
using faas::test::Provider;

namespace {

std::string json_string(faas::json::Document& doc, std::initializer_list<const char*> path) {
    simdjson::dom::element e = doc.root();
    for (const char* key : path) {
        if (e[key].get(e) != simdjson::SUCCESS) {
            return "";
        }
    }
    std::string_view s;
    return e.get(s) == simdjson::SUCCESS ? std::string(s) : "";
}

}  // namespace

TEST_SUITE_BEGIN("gateway.system");

TEST_CASE(
    "gateway: deploy, status and delete pass through and bad input keeps the provider's 400") {
    Platform p;
    auto bad = p.gateway.post("/system/functions", "{not json");
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
    CHECK_FALSE(bad->body.empty());
    auto deployed = p.gateway.post("/system/functions", Provider::deployment("echo", "cat"));
    REQUIRE(deployed.ok());
    CHECK(deployed->status == 202);
    auto status = p.gateway.get("/system/function/echo?namespace=openfaas-fn");
    REQUIRE(status.ok());
    CHECK(status->status == 200);
    auto st = faas::openfaas::parse_status(status->body);
    REQUIRE(st.ok());
    CHECK(st->image == "functions/alpine:latest");
    auto missing = p.gateway.get("/system/function/nope");
    REQUIRE(missing.ok());
    CHECK(missing->status == 404);
    auto dup = p.gateway.post("/system/functions", Provider::deployment("echo", "cat"));
    REQUIRE(dup.ok());
    CHECK(dup->status == 409);
    auto del = p.gateway.call("DELETE", "/system/functions", R"({"functionName":"echo"})");
    REQUIRE(del.ok());
    CHECK(del->status == 202);
    auto ns = p.gateway.get("/system/namespaces");
    REQUIRE(ns.ok());
    CHECK(ns->status == 200);
    auto wrong = p.gateway.call("PATCH", "/system/functions", "{}");
    REQUIRE(wrong.ok());
    CHECK(wrong->status == 405);
    auto nothing = p.gateway.get("/system/nothing");
    REQUIRE(nothing.ok());
    CHECK(nothing->status == 404);
}

TEST_CASE("gateway: basic auth guards /system and /ui but never /function or /healthz") {
    faas::test::TempDir secrets;
    secrets.write("basic-auth-user", "admin\n");
    secrets.write("basic-auth-password", "s3cret\n");
    const EnvMap env{{"basic_auth", "true"}, {"secret_mount_path", secrets.str()}};
    Platform p(env, env);
    const faas::http::Headers good{
        {"Authorization", "Basic " + faas::text::base64_encode("admin:s3cret")}};
    const faas::http::Headers wrong{
        {"Authorization", "Basic " + faas::text::base64_encode("admin:nope")}};

    for (const char* target : {"/system/functions", "/system/info", "/ui/"}) {
        CAPTURE(target);
        auto none = p.gateway.get(target);
        REQUIRE(none.ok());
        CHECK(none->status == 401);
        CHECK(header_of(*none, "WWW-Authenticate") == "Basic realm=\"Restricted\"");
        CHECK(none->body == "invalid credentials\n");
        auto bad = p.gateway.get(target, wrong);
        REQUIRE(bad.ok());
        CHECK(bad->status == 401);
        auto ok = p.gateway.get(target, good);
        REQUIRE(ok.ok());
        CHECK(ok->status == 200);
    }
    auto ui = p.gateway.get("/ui/", good);
    REQUIRE(ui.ok());
    CHECK(header_of(*ui, "Content-Type").starts_with("text/html"));
    CHECK(ui->body.find("<script>") != std::string::npos);

    // The gateway's own provider calls carry its credentials: deploy and the endpoint list work.
    auto deployed = p.gateway.post("/system/functions", Provider::deployment("echo", "cat"), good);
    REQUIRE(deployed.ok());
    CHECK(deployed->status == 202);
    auto call = p.gateway.post("/function/echo", "open");
    REQUIRE(call.ok());
    CHECK(call->status == 200);
    CHECK(call->body == "open");
    auto health = p.gateway.get("/healthz");
    REQUIRE(health.ok());
    CHECK(health->status == 200);
    auto metrics = faas::test::http_get(p.gateway.metrics_port(), "/metrics");
    REQUIRE(metrics.ok());
    CHECK(metrics->status == 200);
}

TEST_CASE("gateway: /system/functions reports the gateway's own invocation counts") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    REQUIRE(p.provider.deploy(Provider::deployment("idle", "cat")) == 202);
    for (int i = 0; i < 3; ++i) {
        auto r = p.gateway.post("/function/echo", "x");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
    }
    auto notfound = p.gateway.post("/function/ghost", "x");  // unknown: not counted anywhere
    REQUIRE(notfound.ok());
    auto list = p.gateway.get("/system/functions");
    REQUIRE(list.ok());
    CHECK(list->status == 200);
    CHECK(header_of(*list, "Content-Type") == "application/json");
    auto fns = faas::openfaas::parse_status_list(list->body);
    REQUIRE(fns.ok());
    REQUIRE(fns->size() == 2);
    for (const auto& f : fns.value()) {
        CAPTURE(f.name);
        CHECK(f.invocation_count == (f.name == "echo" ? 3.0 : 0.0));
    }
}

TEST_CASE("gateway: /system/info wraps the provider's info with the gateway's version") {
    Platform p;
    auto r = p.gateway.get("/system/info");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(header_of(*r, "Content-Type") == "application/json");
    auto doc = faas::json::parse(r->body);
    REQUIRE(doc.ok());
    CHECK_FALSE(json_string(*doc, {"provider", "provider"}).empty());
    CHECK_FALSE(json_string(*doc, {"provider", "orchestration"}).empty());
    CHECK_FALSE(json_string(*doc, {"provider", "version", "release"}).empty());
    CHECK_FALSE(json_string(*doc, {"provider", "version", "sha"}).empty());
    CHECK_FALSE(json_string(*doc, {"version", "release"}).empty());
    CHECK_FALSE(json_string(*doc, {"version", "sha"}).empty());
    const auto arch = json_string(*doc, {"arch"});
    CHECK((arch == "amd64" || arch == "arm64"));
    CHECK(json_string(*doc, {"provider", "provider"}) != "faasd");
}

TEST_CASE("gateway: metrics carry OpenFaaS's names and labels and the metrics port has healthz") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    for (int i = 0; i < 2; ++i) {
        auto r = p.gateway.post("/function/echo", "x");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
    }
    const std::string fn = "function_name=\"echo.openfaas-fn\"";
    const auto text = p.gateway.metrics();
    CHECK(has_series(text, "gateway_function_invocation_total", {fn, "code=\"200\""}));
    CHECK(metric_value(text, "gateway_function_invocation_total{code=\"200\"," + fn + "}") == 2);
    CHECK(has_series(text, "gateway_functions_seconds_bucket",
                     {fn, "code=\"200\"", "le=\"0.005\""}));
    CHECK(has_series(text, "gateway_functions_seconds_count", {fn, "code=\"200\""}));
    CHECK(metric_value(text, "gateway_function_invocation_started{" + fn + "}") == 2);
    CHECK(metric_value(text, "gateway_service_count{" + fn + "}") == 1);
    CHECK(text.find("faas_gateway_endpoints_updates_total") != std::string::npos);
    auto health = faas::test::http_get(p.gateway.metrics_port(), "/healthz");
    REQUIRE(health.ok());
    CHECK(health->status == 200);
    CHECK(health->body == "OK");
    auto post = faas::test::http_post(p.gateway.metrics_port(), "/healthz", "");
    REQUIRE(post.ok());
    CHECK(post->status == 405);
}

TEST_CASE("gateway: /system/logs streams the provider's log lines") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    auto r = p.gateway.post("/function/echo", "hello");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    std::string body;
    CHECK(faas::test::wait_until([&] {
        auto logs = p.gateway.get("/system/logs?name=echo&namespace=openfaas-fn&follow=false");
        if (!logs.ok() || logs->status != 200) {
            return false;
        }
        body = logs->body;
        return body.find("\"name\":\"echo\"") != std::string::npos;
    }));
    CAPTURE(body);
    CHECK(body.find("\"text\"") != std::string::npos);
}

TEST_CASE("gateway: an AlertManager alert scales a function up and a resolved one back to min") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment(
                "busy", "cat",
                R"("labels":{"com.openfaas.scale.max":"4",)"
                R"("com.openfaas.scale.factor":"50"})")) == 202);
    const std::string firing =
        R"({"receiver":"scale-up","status":"firing","alerts":[{"status":"firing",)"
        R"("labels":{"alertname":"APIHighInvocationRate","function_name":"busy.openfaas-fn"}}]})";
    auto up = p.gateway.post("/system/alert", firing);
    REQUIRE(up.ok());
    CHECK(up->status == 200);
    CHECK(p.provider.status("busy")->replicas == 3);
    const std::string resolved =
        R"({"status":"resolved","alerts":[{"status":"resolved",)"
        R"("labels":{"function_name":"busy"}}]})";
    auto down = p.gateway.post("/system/alert", resolved);
    REQUIRE(down.ok());
    CHECK(down->status == 200);
    CHECK(p.provider.status("busy")->replicas == 1);
    auto bad = p.gateway.post("/system/alert", "nope");
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
    CHECK(bad->body == "Unable to parse alert, bad format.\n");
}

TEST_SUITE_END();
