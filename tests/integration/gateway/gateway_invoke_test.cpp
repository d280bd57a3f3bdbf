// Synchronous calls through the real gateway to real replicas started by the real provider:
// methods, paths, queries, names, headers, bodies, redirects, errors (docs/wire-contract.md §1.3).
#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "tests/integration/gateway/gateway_fixture.hpp"

using faas::test::env_line;
using faas::test::header_of;
using faas::test::Platform;
using faas::test::Provider;

namespace {

// Deploys the certifier's env-test function (`env`) and waits until a replica is ready.
void deploy_env(Platform& p, const std::string& name = "env-test") {
    REQUIRE(p.provider.deploy(Provider::deployment(name, "env")) == 202);
    p.provider.wait_ready(name, 1);
}

bool looks_like_uuid(const std::string& s) {
    return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[14] == '4' && s[18] == '-' &&
           s[23] == '-';
}

}  // namespace

TEST_SUITE_BEGIN("gateway.invoke");

TEST_CASE("gateway: every verb reaches the function with its method, a call id and a start time") {
    Platform p;
    deploy_env(p);
    for (const char* verb : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
        CAPTURE(verb);
        const char* body = verb == std::string("GET") ? "" : "x";
        auto r = p.gateway.call(verb, "/function/env-test.openfaas-fn", body);
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(env_line(r->body, "Http_Method") == verb);
        const auto call_id = header_of(*r, "X-Call-Id");
        CHECK(looks_like_uuid(call_id));
        // The replica saw the same call id and start time the caller got back.
        CHECK(env_line(r->body, "Http_X_Call_Id") == call_id);
        CHECK_FALSE(header_of(*r, "X-Start-Time").empty());
        CHECK(env_line(r->body, "Http_X_Start_Time") == header_of(*r, "X-Start-Time"));
        CHECK(header_of(*r, "X-Served-By").starts_with("faas/"));
    }
    // Outside the provider proxy's list: 405.
    auto trace = p.gateway.call("TRACE", "/function/env-test");
    REQUIRE(trace.ok());
    CHECK(trace->status == 405);
}

TEST_CASE("gateway: the query and the sub-path reach the function as sent") {
    Platform p;
    deploy_env(p);
    auto q = p.gateway.get("/function/env-test?testing=1");
    REQUIRE(q.ok());
    CHECK(q->status == 200);
    CHECK(env_line(q->body, "Http_Query") == "testing=1");
    CHECK(env_line(q->body, "Http_Path") == "/");
    auto raw = p.gateway.get("/function/env-test.openfaas-fn/a/b?x=%2F+y&z");
    REQUIRE(raw.ok());
    CHECK(env_line(raw->body, "Http_Path") == "/a/b");
    CHECK(env_line(raw->body, "Http_Query") == "x=%2F+y&z");
    auto slash = p.gateway.get("/function/env-test/");
    REQUIRE(slash.ok());
    CHECK(env_line(slash->body, "Http_Path") == "/");
}

TEST_CASE("gateway: X-Function on / routes to the named function and an unknown one is 404") {
    Platform p;
    deploy_env(p);
    auto r = p.gateway.get("/?via=header", {{"X-Function", "env-test"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(env_line(r->body, "Http_Query") == "via=header");
    auto ns = p.gateway.get("/", {{"X-Function", "env-test.openfaas-fn"}});
    REQUIRE(ns.ok());
    CHECK(ns->status == 200);
    auto unknown = p.gateway.get("/", {{"X-Function", "nope"}});
    REQUIRE(unknown.ok());
    CHECK(unknown->status == 404);
    // Without the header "/" is the UI redirect.
    auto root = p.gateway.get("/");
    REQUIRE(root.ok());
    CHECK(root->status == 307);
    CHECK(header_of(*root, "Location") == "/ui/");
}

TEST_CASE(
    "gateway: a caller's X-Call-Id is passed on and not echoed, forwarding headers are added") {
    Platform p;
    deploy_env(p);
    auto r = p.gateway.get("/function/env-test", {{"X-Call-Id", "caller-chosen-id"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(env_line(r->body, "Http_X_Call_Id") == "caller-chosen-id");
    CHECK_FALSE(r->headers.has("X-Call-Id"));
    CHECK(env_line(r->body, "Http_X_Forwarded_For").starts_with("127.0.0.1:"));
    CHECK_FALSE(env_line(r->body, "Http_X_Forwarded_Host").empty());
    auto kept = p.gateway.get("/function/env-test", {{"X-Forwarded-For", "10.9.8.7"}});
    REQUIRE(kept.ok());
    CHECK(env_line(kept->body, "Http_X_Forwarded_For") == "10.9.8.7");
}

TEST_CASE("gateway: a large body streams through to the function and back") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    std::string body(12U << 20U, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) {
        body[i] = static_cast<char>('a' + (i * 7 + i / 4099) % 26);
    }
    auto r = p.gateway.call("POST", "/function/echo", body, {}, std::chrono::seconds(60));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body.size() == body.size());
    CHECK(r->body == body);
}

TEST_CASE("gateway: a body over max_request_size is 413 and the function is not called") {
    Platform p({}, {{"max_request_size", "64Ki"}});
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    p.provider.wait_ready("echo", 1);
    auto big = p.gateway.post("/function/echo", std::string(100'000, 'x'));
    REQUIRE(big.ok());
    CHECK(big->status == 413);
    CHECK(big->body.find("max_request_size") != std::string::npos);
    auto small = p.gateway.post("/function/echo", std::string(1000, 'y'));
    REQUIRE(small.ok());
    CHECK(small->status == 200);
    CHECK(small->body == std::string(1000, 'y'));
}

TEST_CASE("gateway: a redirect from an http-mode function is relayed, not followed") {
    Platform p;
    faas::test::TempDir dir;
    const auto script = dir.write("redirect.py", R"py(
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/target"):
            body = b"followed"
            self.send_response(200)
        else:
            body = b"moved"
            self.send_response(302)
            self.send_header("Location", "/target")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
)py");
    const std::string deploy = Provider::deployment(
        "redirector-test", "python3 " + script.string(),
        R"("envVars":{"mode":"http","upstream_url":"http://127.0.0.1:0"})");
    REQUIRE(p.provider.deploy(deploy) == 202);
    auto r = p.gateway.get("/function/redirector-test.openfaas-fn");
    REQUIRE(r.ok());
    CHECK(r->status == 302);
    CHECK(header_of(*r, "Location") == "/target");
    CHECK(r->body == "moved");
}

TEST_CASE("gateway: an unknown function is 404 with OpenFaaS's message") {
    Platform p;
    auto r = p.gateway.post("/function/nope", "x");
    REQUIRE(r.ok());
    CHECK(r->status == 404);
    CHECK(r->body == "error finding function nope.openfaas-fn: not found\n");
    CHECK_FALSE(r->headers.has("X-Call-Id"));
    auto empty = p.gateway.post("/function/.openfaas-fn", "x");
    REQUIRE(empty.ok());
    CHECK(empty->status == 404);
    auto other_ns = p.gateway.get("/function/nope.elsewhere");
    REQUIRE(other_ns.ok());
    CHECK(other_ns->status == 404);
    CHECK(other_ns->body == "error finding function nope.elsewhere: not found\n");
}

TEST_CASE("gateway: a function's own error status is relayed as it is") {
    Platform p;
    faas::test::TempDir dir;
    const auto script = dir.write("fail.sh", "echo broken; exit 3\n");
    REQUIRE(p.provider.deploy(Provider::deployment("fails", "sh " + script.string())) == 202);
    auto r = p.gateway.post("/function/fails", "x");
    REQUIRE(r.ok());
    CHECK(r->status == 500);
}

TEST_SUITE_END();
