// provider/backends/kubernetes/credentials: in-cluster service account and kubeconfig discovery,
// with files written to temp dirs (certificates from the openssl CLI).
#include "provider/backends/kubernetes/credentials.hpp"

#include <filesystem>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "core/text/text.hpp"
#include "tests/support/env.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_proxy.hpp"

namespace fs = std::filesystem;
namespace kube = faas::provider::kubernetes;
using faas::errc;
using faas::test::env_of;
using faas::test::TempDir;
using faas::test::TestPki;

namespace {

struct Fixture {
    TestPki pki;
    TempDir dir;

    std::string ca() const { return TestPki::pem(pki.ca_cert()); }
    std::string b64(const fs::path& file) const {
        return faas::text::base64_encode(TestPki::pem(file));
    }
    // A kubeconfig with one context "ctx" → cluster "c" and user "u" (when `user` is not "").
    fs::path kubeconfig(const std::string& cluster,
                        const std::string& user,
                        const std::string& name = "config") const {
        std::string text =
            "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
            "contexts:\n- name: ctx\n  context:\n    cluster: c\n";
        if (!user.empty()) {
            text += "    user: u\n";
        }
        text += "clusters:\n- name: c\n  cluster:\n" + cluster;
        if (!user.empty()) {
            text += "users:\n- name: u\n  user:\n" + user;
        }
        return dir.write(name, text);
    }
    // discover_api_server in a pod: the service's env, the service account in dir/sa, and
    // KUBECONFIG set to `kubeconfig`.
    faas::Result<kube::ApiServer> discover_in_pod(const std::string& port,
                                                  const fs::path& kubeconfig) const {
        return kube::discover_api_server(
            env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                    {"KUBERNETES_SERVICE_PORT", port},
                    {"kubernetes_serviceaccount_dir", dir.file("sa").string()},
                    {"KUBECONFIG", kubeconfig.string()}}));
    }
    faas::Result<kube::ApiServer> discover(const fs::path& config) const {
        return kube::discover_api_server(env_of({{"KUBECONFIG", config.string()}}));
    }
};

std::string error_of(const faas::Result<kube::ApiServer>& r) {
    return r.ok() ? std::string("(no error)") : r.error().message;
}

}  // namespace

TEST_SUITE_BEGIN("kubernetes credentials");

TEST_CASE_FIXTURE(Fixture,
                  "kubernetes credentials: in cluster, the service account's token and CA") {
    dir.write("sa/token", "token-one\n");
    dir.write("sa/ca.crt", ca());
    auto r = discover_in_pod("443", dir.file("absent"));
    REQUIRE_MESSAGE(r.ok(), error_of(r));
    CHECK(r->endpoint.host == "10.96.0.1");
    CHECK(r->endpoint.port == 443);
    CHECK(r->endpoint.tls != nullptr);
    CHECK(r->url == "https://10.96.0.1:443");
    CHECK(r->source == "in-cluster");
    CHECK(r->authorization() == "Bearer token-one");
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: in cluster without ca.crt names the file") {
    dir.write("sa/token", "t");
    auto r = discover_in_pod("443", dir.file("absent"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find((dir.file("sa") / "ca.crt").string()) != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: a bad KUBERNETES_SERVICE_PORT is named") {
    dir.write("sa/token", "t");
    auto r = discover_in_pod("https", dir.file("absent"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "KUBERNETES_SERVICE_PORT: want a port number, got \"https\"");
}

TEST_CASE_FIXTURE(Fixture,
                  "kubernetes credentials: without a token the pod falls back to kubeconfig") {
    dir.write("sa/ca.crt", ca());
    const auto config = kubeconfig("    server: http://127.0.0.1:8001\n", "");
    auto r = discover_in_pod("443", config);
    REQUIRE_MESSAGE(r.ok(), error_of(r));
    CHECK(r->source == config.string() + " (context ctx)");
    CHECK(r->endpoint.port == 8001);
}

TEST_CASE_FIXTURE(Fixture,
                  "kubernetes credentials: a rotated token file is read again, once a second") {
    // The kubelet's layout: token -> ..data/token, ..data -> ..<timestamp>; rotation swaps ..data.
    dir.write("sa/..2026_01/token", "old-token\n");
    fs::create_directory_symlink("..2026_01", dir.file("sa/..data"));
    fs::create_symlink("..data/token", dir.file("sa/token"));
    auto now = kube::TokenFile::Clock::now();
    auto file = kube::TokenFile::open(dir.file("sa/token"), [&now] { return now; });
    REQUIRE(file.ok());
    CHECK((*file)->token() == "old-token");

    dir.write("sa/..2026_02/token", "new-token\n");
    fs::create_directory_symlink("..2026_02", dir.file("sa/..data_tmp"));
    fs::rename(dir.file("sa/..data_tmp"), dir.file("sa/..data"));
    now += std::chrono::milliseconds(500);
    CHECK((*file)->token() == "old-token");  // checked less than a second ago
    now += std::chrono::milliseconds(600);
    CHECK((*file)->token() == "new-token");

    fs::remove(dir.file("sa/token"));
    now += std::chrono::seconds(2);
    CHECK((*file)->token() == "new-token");  // a failed re-read keeps the last good token
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: an empty or missing token file is an error") {
    dir.write("empty", "\n");
    auto empty = kube::TokenFile::open(dir.file("empty"));
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().message == "token file " + dir.file("empty").string() + " is empty");
    auto missing = kube::TokenFile::open(dir.file("missing"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find(dir.file("missing").string()) != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: kubeconfig with certificate data inline") {
    const auto config =
        kubeconfig("    server: https://127.0.0.1:6443\n    certificate-authority-data: " +
                       b64(pki.ca_cert()) + "\n",
                   "    client-certificate-data: " + b64(pki.client_cert()) +
                       "\n    client-key-data: " + b64(pki.client_key()) + "\n");
    auto r = discover(config);
    REQUIRE_MESSAGE(r.ok(), error_of(r));
    CHECK(r->endpoint.host == "127.0.0.1");
    CHECK(r->endpoint.port == 6443);
    CHECK(r->endpoint.tls != nullptr);
    CHECK(r->url == "https://127.0.0.1:6443");
    CHECK(r->source == config.string() + " (context ctx)");
    CHECK(r->authorization().empty());
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: kubeconfig files are relative to its dir") {
    dir.write("kube/pki/ca.crt", ca());
    dir.write("kube/pki/client.crt", TestPki::pem(pki.client_cert()));
    dir.write("kube/pki/client.key", TestPki::pem(pki.client_key()));
    dir.write("kube/token", "file-token\n");
    const auto config = kubeconfig(
        "    server: https://kube.example:6443\n    certificate-authority: pki/ca.crt\n"
        "    tls-server-name: kubernetes.default\n",
        "    client-certificate: pki/client.crt\n    client-key: " +
            dir.file("kube/pki/client.key").string() + "\n    tokenFile: token\n",
        "kube/config");
    // Only the first file of a KUBECONFIG list is read.
    auto r = kube::discover_api_server(
        env_of({{"KUBECONFIG", config.string() + ":" + dir.file("other").string()}}));
    REQUIRE_MESSAGE(r.ok(), error_of(r));
    CHECK(r->endpoint.host == "kube.example");
    CHECK(r->endpoint.tls != nullptr);
    CHECK(r->authorization() == "Bearer file-token");
}

TEST_CASE_FIXTURE(Fixture,
                  "kubernetes credentials: ~/.kube/config with an http server and a token") {
    kubeconfig("    server: http://127.0.0.1:8080\n", "    token: static-token\n", ".kube/config");
    auto r = kube::discover_api_server(env_of({{"HOME", dir.str()}}));
    REQUIRE_MESSAGE(r.ok(), error_of(r));
    CHECK(r->endpoint.tls == nullptr);
    CHECK(r->endpoint.port == 8080);
    CHECK(r->url == "http://127.0.0.1:8080");
    CHECK(r->authorization() == "Bearer static-token");
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: insecure-skip-tls-verify needs no CA") {
    const auto config =
        kubeconfig("    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n", "");
    auto r = discover(config);
    REQUIRE_MESSAGE(r.ok(), error_of(r));
    CHECK(r->endpoint.tls != nullptr);
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: nothing to find is not_found naming the path") {
    auto r = kube::discover_api_server(env_of({{"HOME", dir.str()}}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::not_found);
    CHECK(r.error().message.find(dir.file(".kube/config").string()) != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: kubeconfig errors name the file and the key") {
    const std::string at = "kubeconfig " + dir.file("bad").string() + ": ";
    const std::string server = "    server: https://127.0.0.1:6443\n";
    const std::map<std::string, std::string> cases = {
        {"apiVersion: v1\nclusters: []\n", at + "no current-context"},
        {"current-context: nope\ncontexts: []\n", at + "context \"nope\" not found in contexts"},
        {"current-context: ctx\ncontexts:\n- name: ctx\n  context:\n    cluster: gone\n",
         at + "cluster \"gone\" not found in clusters"},
        {"current-context: ctx\ncontexts:\n- name: ctx\n  context:\n    user: u\n",
         at + "context \"ctx\" names no cluster"},
        {"a: [", ""},
    };
    for (const auto& [text, want] : cases) {
        CAPTURE(text);
        auto r = discover(dir.write("bad", text));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == errc::bad_request);
        if (!want.empty()) {
            CHECK(r.error().message == want);
        } else {
            CHECK(r.error().message.starts_with(at));
        }
    }
}

TEST_CASE_FIXTURE(Fixture, "kubernetes credentials: unsupported or broken users and clusters") {
    const std::string server = "    server: https://127.0.0.1:6443\n";
    const std::string at = "kubeconfig " + dir.file("config").string() + ": ";
    struct Case {
        std::string cluster;
        std::string user;
        std::string want;
    };
    const Case cases[] = {
        {server, "    exec:\n      command: aws\n",
         at + "user \"u\" uses an exec plugin, which is not supported (use a token, tokenFile or "
              "a client certificate)"},
        {server, "    auth-provider:\n      name: gcp\n",
         at + "user \"u\" uses an auth-provider plugin, which is not supported (use a token, "
              "tokenFile or a client certificate)"},
        {server, "    client-key-data: '%%%'\n", at + "user \"u\": client-key-data is not base64"},
        {server, "    client-certificate-data: " + b64(pki.client_cert()) + "\n",
         at + "user \"u\": client-certificate without client-key"},
        {server,
         "    client-certificate-data: " + b64(pki.client_cert()) +
             "\n    client-key-data: " + b64(pki.server_key()) + "\n",
         at + "context \"ctx\": TLS client key does not match the client certificate"},
        {server + "    certificate-authority: missing.crt\n", "    token: t\n",
         at + "cluster \"c\": certificate-authority " + dir.file("missing.crt").string() +
             ": No such file or directory"},
        {"    server: https://127.0.0.1:6443/k8s/clusters/c-1\n", "    token: t\n",
         at + "cluster \"c\": server https://127.0.0.1:6443/k8s/clusters/c-1 has a path; only "
              "API servers at the root of their URL are supported"},
        {"    insecure-skip-tls-verify: true\n", "    token: t\n",
         at + "cluster \"c\" has no server"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.user);
        auto r = discover(kubeconfig(c.cluster, c.user));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == c.want);
    }
}

TEST_SUITE_END();
