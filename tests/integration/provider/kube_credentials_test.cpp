// provider/backends/kubernetes/credentials end to end: what discover_api_server finds (in cluster
// and from a kubeconfig) reaches a TLS server (socat in front of a TestServer) with the right
// certificates and Authorization header.
#include <string>

#include <doctest/doctest.h>

#include "core/http/sync_client.hpp"
#include "core/text/text.hpp"
#include "provider/backends/kubernetes/credentials.hpp"
#include "tests/support/env.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"
#include "tests/support/tls_proxy.hpp"

namespace http = faas::http;
namespace kube = faas::provider::kubernetes;
using faas::awaitable;
using faas::test::env_of;
using faas::test::TempDir;
using faas::test::TestPki;
using faas::test::TestServer;
using faas::test::TlsProxy;

namespace {

// Answers with the Authorization header it was sent ("-" for none).
awaitable<void> echo_authorization(http::Exchange& ex) {
    http::Response r;
    r.status = 200;
    r.body = std::string(ex.header("Authorization").value_or("-"));
    (void)co_await ex.respond(std::move(r));
}

// GET / with the server's Authorization value, as the back end's API client sends it.
faas::Result<http::Response> get(const kube::ApiServer& server) {
    http::Request req;
    req.target = "/api";
    const std::string auth = server.authorization();
    if (!auth.empty()) {
        req.headers.add("Authorization", auth);
    }
    http::SyncClient client;
    return client.call(server.endpoint, std::move(req));
}

struct Fixture {
    TestPki pki;
    TempDir dir;
    TestServer api{faas::test::same_handler(echo_authorization)};
};

}  // namespace

TEST_SUITE_BEGIN("kubernetes credentials integration");

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: in cluster, https by IP with the token") {
    TlsProxy proxy(pki, api.port());
    dir.write("sa/token", "sa-token\n");
    dir.write("sa/ca.crt", TestPki::pem(pki.ca_cert()));
    auto server = kube::discover_api_server(
        env_of({{"KUBERNETES_SERVICE_HOST", "127.0.0.1"},
                {"KUBERNETES_SERVICE_PORT", std::to_string(proxy.port())},
                {"kubernetes_serviceaccount_dir", dir.file("sa").string()}}));
    REQUIRE_MESSAGE(server.ok(), (server.ok() ? "" : server.error().what()));
    auto r = get(*server);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
    CHECK(r->status == 200);
    CHECK(r->body == "Bearer sa-token");
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: kubeconfig client certificate and CA data") {
    faas::test::TlsProxyOptions options;
    options.require_client_cert = true;
    TlsProxy proxy(pki, api.port(), options);
    auto b64 = [](const std::filesystem::path& f) {
        return faas::text::base64_encode(TestPki::pem(f));
    };
    const auto config = dir.write(
        "config",
        "current-context: ctx\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\n"
        "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:" +
            std::to_string(proxy.port()) + "\n    tls-server-name: localhost\n" +
            "    certificate-authority-data: " + b64(pki.ca_cert()) +
            "\nusers:\n- name: u\n  user:\n    client-certificate-data: " + b64(pki.client_cert()) +
            "\n    client-key-data: " + b64(pki.client_key()) + "\n");
    auto server = kube::discover_api_server(env_of({{"KUBECONFIG", config.string()}}));
    REQUIRE_MESSAGE(server.ok(), (server.ok() ? "" : server.error().what()));
    auto r = get(*server);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
    CHECK(r->body == "-");
}

TEST_SUITE_END();
