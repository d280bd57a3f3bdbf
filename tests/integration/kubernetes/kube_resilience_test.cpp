// The platform on the stand-in Kubernetes cluster when the API server misbehaves: every watch
// dropped and the history compacted (410 Gone on resume), the API server down and back, and the
// API server behind TLS with a CA from the kubeconfig.
#include <doctest/doctest.h>

#include "tests/integration/kubernetes/kube_platform.hpp"
#include "tests/support/tls_proxy.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;

std::size_t ready_count(Provider& provider, const std::string& name) {
    const EndpointList list = provider.endpoints();
    const EndpointFunction* f = list.find(name);
    return f == nullptr ? 0 : f->endpoints.size();
}

}  // namespace

TEST_SUITE("kubernetes back end end to end: API server trouble") {
    TEST_CASE("kubernetes e2e: watches dropped and history compacted keep endpoints and calls") {
        KubePlatform p;
        p.deploy(Provider::deployment("echo", "env"));
        p.wait_ready("echo", 1);
        CallLoop loop(p.gateway().port(), "echo");
        for (int round = 0; round < 3; ++round) {
            p.cluster().server().drop_watches();
            p.cluster().server().compact();
            // A change made while the watches are down must still be seen after the relist.
            p.scale("echo", round + 2);
            p.wait_ready("echo", round + 2);
            CHECK(ready_count(p.provider(), "echo") == static_cast<std::size_t>(round + 2));
        }
        p.cluster().server().drop_watches();
        p.cluster().server().compact();
        p.scale("echo", 1);
        p.wait_ready("echo", 1);
        CHECK(wait_until([&] { return p.cluster().container_pids().size() == 1; }, 30s, 50ms));
        const int before = loop.calls();
        CHECK(wait_until([&] { return loop.calls() > before + 10; }, 30s, 20ms));
        loop.stop();
        CHECK_MESSAGE(loop.failures() == 0, loop.failures()
                                                << " of " << loop.calls()
                                                << " failed, first: " << loop.first_failure());
        CHECK(p.provider().log().find("watch ended") != std::string::npos);
    }

    TEST_CASE(
        "kubernetes e2e: API server down gives 503 naming it while calls are still served") {
        KubePlatform p;
        p.deploy(Provider::deployment("echo", "env"));
        p.wait_ready("echo", 1);
        const std::string url = p.cluster().server().url();
        p.cluster().server().set_available(false);

        auto list = p.gateway().call("GET", "/system/functions", {}, {}, 60s);
        REQUIRE(list);
        CHECK(list->status == 503);
        CHECK_MESSAGE(list->body.find(url) != std::string::npos, list->body);
        auto deploy = p.gateway().call("POST", "/system/functions",
                                       Provider::deployment("other", "env"), {}, 60s);
        REQUIRE(deploy);
        CHECK(deploy->status == 503);
        // The gateway keeps calling the pods it knows.
        for (int i = 0; i < 20; ++i) {
            auto r = p.invoke("echo");
            REQUIRE(r);
            CHECK(r->status == 200);
        }
        CHECK(ready_count(p.provider(), "echo") == 1);
    }

    TEST_CASE("kubernetes e2e: the API server over TLS with its CA in the kubeconfig") {
        // The provider only learns the proxy's URL; build the cluster first to know its port.
        const TestPki pki;
        std::unique_ptr<TlsProxy> proxy;
        KubePlatformOptions o;
        o.ca_pem = TestPki::pem(pki.ca_cert());
        o.front = [&](std::uint16_t port) {
            proxy = std::make_unique<TlsProxy>(pki, port);
            return "https://127.0.0.1:" + std::to_string(proxy->port());
        };
        KubePlatform p(o);
        // The listening line names the server and where it was found.
        const std::string log = p.provider().log();
        CHECK_MESSAGE(log.find("state=https://127.0.0.1:") != std::string::npos, log);
        CHECK(log.find("kubeconfig (context standin)") != std::string::npos);
        p.deploy(Provider::deployment("echo", "env"));
        p.wait_ready("echo", 1);
        auto r = p.invoke("echo");
        REQUIRE(r);
        CHECK(r->status == 200);
        auto fn = p.gateway().get("/system/function/echo");
        REQUIRE(fn);
        CHECK(fn->status == 200);
        auto logs = p.gateway().get("/system/logs?name=echo&follow=false");
        REQUIRE(logs);
        CHECK(logs->status == 200);
    }
}

}  // namespace faas::test
