// The Kubernetes back end's watches (provider/backends/kubernetes/watch.cpp) against a loopback
// API server that answers with the real server's bodies: the ready pods of the EndpointSlices
// are published, a 410 Expired makes the back end list again, and the endpoint list stays
// while the API server is down.
#include <atomic>
#include <mutex>
#include <optional>

#include <doctest/doctest.h>

#include "provider/backends/kubernetes/backend.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/reply.hpp"
#include "tests/support/test_server.hpp"
#include "tests/unit/provider/backends/kubernetes/transcripts.hpp"

namespace kube = faas::provider::kubernetes;
namespace http = faas::http;
using faas::awaitable;
using faas::test::kube::transcript;

namespace {

// Lists answer the transcripts (25's Deployment in a list, 53's slices); a Deployment watch
// sends one BOOKMARK and ends, a slice watch sends 75's ERROR 410 Expired. While `down`, every
// request is a 503.
class FakeApi {
public:
    FakeApi()
        : namespaces_(transcript("12-ns-list-by-label.json").body),
          deployments_(R"({"kind":"DeploymentList","apiVersion":"apps/v1",)"
                       R"("metadata":{"resourceVersion":"465"},"items":[)" +
                       transcript("25-deploy-get.json").body + "]}"),
          slices_(transcript("53-epslice-with-ready-pod.json").body),
          expired_(transcript("75-watch-rv1-410-expired.json").body),
          server_(faas::test::same_handler([this](http::Exchange& ex) { return serve(ex); })) {}

    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
    std::uint16_t port() const { return server_.port(); }

    std::atomic<bool> down{false};
    std::atomic<int> slice_lists{0};
    std::atomic<int> slice_watches{0};
    std::atomic<int> refused{0};

private:
    std::string answer_for(std::string_view path, std::string_view query) {
        const bool watch = query.find("watch=1") != std::string_view::npos;
        if (path == "/api/v1/namespaces") {
            return namespaces_;
        }
        if (path.ends_with("/deployments")) {
            return watch ? std::string(R"({"type":"BOOKMARK","object":{"kind":"Deployment",)"
                                       R"("metadata":{"resourceVersion":"470"}}})") + "\n"
                         : deployments_;
        }
        if (path.ends_with("/endpointslices")) {
            ++(watch ? slice_watches : slice_lists);
            return watch ? expired_ : slices_;
        }
        return {};
    }

    awaitable<void> serve(http::Exchange& ex) {
        if (down) {
            ++refused;
            std::string body = R"({"kind":"Status","code":503,"message":"etcd is down"})";
            co_await faas::test::reply(ex, 503, std::move(body));
            co_return;
        }
        std::string body = answer_for(ex.path(), ex.query());
        const int status = body.empty() ? 404 : 200;
        co_await faas::test::reply(ex, status, std::move(body));
    }

    std::string namespaces_;
    std::string deployments_;
    std::string slices_;
    std::string expired_;
    faas::test::TestServer server_;
};

// The back end on the test thread's io_context, pointed at `api`. As in the provider, the back
// end goes before its io_context (whose destructor drops the loops' frames).
struct Harness {
    explicit Harness(const FakeApi& api) {
        config.backend = "kubernetes";
        config.kubernetes.api_server.url = api.url();
        config.kubernetes.api_server.source = "kube-watch-test";
        kube::ApiTarget t;
        t.endpoint = http::Endpoint{"127.0.0.1", api.port()};
        t.url = api.url();
        t.timeout = std::chrono::seconds(5);
        backend.emplace(io, config, faas::log::make("kube-watch-test"), registry, std::move(t));
        REQUIRE(backend->start().ok());
    }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    // Runs the back end until `done()` holds (the test bound fails the test otherwise).
    template <class Pred>
    void run_until(Pred done) {
        faas::test::run_sync(io, [this, done]() -> awaitable<bool> {
            while (!done()) {
                const auto gen = backend->board().generation();
                co_await backend->board().wait_change(gen, std::chrono::milliseconds(20));
            }
            co_return true;
        });
    }

    bool published() {
        const auto& views = backend->board().views();
        return views.size() == 1 && views[0].endpoints.size() == 1;
    }

    asio::io_context io;
    faas::provider::Config config;
    faas::metrics::Registry registry;
    std::optional<kube::KubernetesBackend> backend;
};

}  // namespace

TEST_SUITE("provider kubernetes watch") {

TEST_CASE("kubernetes watch: ready pods are published, and a 410 Expired lists again") {
    FakeApi api;
    Harness h(api);
    h.run_until([&] { return h.published() && api.slice_lists >= 3; });
    CHECK(api.slice_watches >= 2);
    const auto& v = h.backend->board().views()[0];
    CHECK(v.name == "echo");
    CHECK(v.namespace_ == "openfaas-fn");
    CHECK(v.replicas == 1);
    CHECK(v.annotations.at("prometheus.io.scrape") == "false");
    CHECK(v.endpoints[0] ==
          faas::provider::EndpointInfo{"echo-7db47b6995-dtcjn", "198.51.100.7", 8080});
    auto picked = h.backend->pick("openfaas-fn", "echo");
    REQUIRE(picked.has_value());
    CHECK(picked->host == "198.51.100.7");
    CHECK(picked->port == 8080);
    CHECK_FALSE(h.backend->pick("openfaas-fn", "other").has_value());
    CHECK_FALSE(h.backend->pick("elsewhere", "echo").has_value());
}

TEST_CASE("kubernetes watch: the endpoint list stays while the API server is down") {
    FakeApi api;
    Harness h(api);
    h.run_until([&] { return h.published(); });
    api.down = true;
    h.run_until([&] { return api.refused >= 3; });
    CHECK(h.published());
    CHECK(h.backend->pick("openfaas-fn", "echo").has_value());
    using StatusResult = faas::Result<faas::openfaas::FunctionStatus>;
    auto st = faas::test::run_sync(h.io, [&]() -> awaitable<StatusResult> {
        const std::string ns = "openfaas-fn";
        const std::string name = "echo";
        co_return co_await h.backend->status(ns, name);
    });
    REQUIRE_FALSE(st.ok());
    CHECK(faas::http_status(st.error().code) == 503);
    CHECK(st.error().what().find(api.url()) != std::string::npos);
    const int lists = api.slice_lists;
    api.down = false;
    h.run_until([&] { return api.slice_lists > lists; });
    CHECK(h.published());
    // Shutting down keeps the last list (the functions keep running without the provider).
    faas::test::run_sync_void(h.io, [&]() -> awaitable<void> { co_await h.backend->shutdown(); });
    CHECK(h.published());
}

}  // TEST_SUITE
