// The Kubernetes API client (provider/backends/kubernetes/api_client.hpp) against a loopback
// server answering with the real server's bodies: Status objects become provider errors, and a
// read-modify-write is retried when the resourceVersion went stale.
#include <map>
#include <mutex>
#include <vector>

#include <doctest/doctest.h>

#include "provider/backends/kubernetes/api_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/reply.hpp"
#include "tests/support/test_server.hpp"
#include "tests/unit/provider/backends/kubernetes/transcripts.hpp"

namespace kube = faas::provider::kubernetes;
namespace http = faas::http;
using faas::awaitable;
using faas::errc;
using faas::Result;
using faas::test::kube::transcript;

namespace {

struct Seen {
    std::string method;
    std::string target;
    std::string authorization;
    std::string body;
};

// A loopback API server: answers the n-th request of a method with the n-th transcript given
// for that method (the last one again when they run out), and records what it was sent.
class Replay {
public:
    using Answers = std::vector<std::pair<std::string, std::string>>;
    // {method, transcript file} in order.
    explicit Replay(const Answers& answers)
        : server_(faas::test::same_handler([this](http::Exchange& ex) { return serve(ex); })) {
        for (const auto& [method, file] : answers) {
            answers_[method].push_back(transcript(file));
        }
    }
    // Every request of `method` answered with `file`.
    Replay(const std::string& method, const std::string& file)
        : Replay(Answers{{method, file}}) {}

    kube::ApiTarget target() const {
        kube::ApiTarget t;
        t.endpoint = http::Endpoint{"127.0.0.1", server_.port()};
        t.url = "http://127.0.0.1:" + std::to_string(server_.port());
        t.authorization = [] { return std::string("Bearer t0k3n"); };
        t.timeout = std::chrono::seconds(5);
        return t;
    }

    std::vector<Seen> seen() const {
        std::lock_guard lock(mu_);
        return seen_;
    }

private:
    awaitable<void> serve(http::Exchange& ex) {
        auto body = co_await ex.read_body(1U << 20U);
        faas::test::kube::Transcript answer;
        {
            std::lock_guard lock(mu_);
            const std::string method(ex.method());
            seen_.push_back(Seen{method, std::string(ex.target()),
                                 std::string(ex.header("Authorization").value_or("")),
                                 body ? *body : ""});
            const auto& list = answers_.at(method);
            const std::size_t n = counts_[method]++;
            answer = list[std::min(n, list.size() - 1)];
        }
        http::Headers headers{{"Content-Type", "application/json"}};
        co_await faas::test::reply(ex, answer.status, std::move(answer.body), std::move(headers));
    }

    std::map<std::string, std::vector<faas::test::kube::Transcript>> answers_;
    std::map<std::string, std::size_t> counts_;
    mutable std::mutex mu_;
    std::vector<Seen> seen_;
    faas::test::TestServer server_;
};

Result<std::string> get(const kube::ApiTarget& target, const std::string& path) {
    asio::io_context io;
    kube::ApiClient api(io.get_executor(), target);
    const std::string what = "reading Deployment echo";
    return faas::test::run_sync(io, [&]() -> awaitable<Result<std::string>> {
        co_return co_await api.get(path, what);
    });
}

faas::Error error_for(const std::string& file) {
    Replay server("GET", file);
    auto r = get(server.target(), "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo");
    REQUIRE_FALSE(r.ok());
    return r.error();
}

bool has(const faas::Error& e, const std::string& text) {
    INFO("message: " << e.what());
    return e.what().find(text) != std::string::npos;
}

}  // namespace

TEST_SUITE("provider kubernetes api client") {

TEST_CASE("kubernetes api: a 200 answers its body and the request carries the token") {
    Replay server("GET", "25-deploy-get.json");
    auto r = get(server.target(), "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo");
    REQUIRE(r.ok());
    CHECK(r->find("\"resourceVersion\":\"271\"") != std::string::npos);
    const auto seen = server.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].target == "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo");
    CHECK(seen[0].authorization == "Bearer t0k3n");
}

TEST_CASE("kubernetes api: 404, 409 and 422 keep their meaning (26, 21, 24, 13)") {
    const auto missing = error_for("26-deploy-get-missing-404.json");
    CHECK(missing.code == errc::not_found);
    CHECK(has(missing, "reading Deployment echo: deployments.apps \"nope\" not found"));
    const auto exists = error_for("21-deploy-create-again-409.json");
    CHECK(exists.code == errc::conflict);
    CHECK(has(exists, "already exists"));
    const auto invalid = error_for("24-deploy-create-invalid-name-422.json");
    CHECK(invalid.code == errc::bad_request);
    CHECK(has(invalid, "invalid metadata.name: Invalid value: \"Echo_Bad\""));
    CHECK(has(invalid, "; spec.template.spec.volumes[0].name: "));
    const auto ns = error_for("13-ns-create-invalid-422.json");
    CHECK(ns.code == errc::bad_request);
    CHECK(has(ns, "invalid metadata.name: "));
}

TEST_CASE("kubernetes api: 403 names the RBAC permission the provider lacks (A4, A5, A6)") {
    const auto list = error_for("A4-forbidden-403-list.json");
    CHECK(list.code == errc::internal);
    CHECK(has(list, "may not list deployments (API group \"apps\") in namespace openfaas-fn"));
    const auto scale = error_for("A5-forbidden-403-scale.json");
    CHECK(has(scale, "may not patch deployments/scale (API group \"apps\") in namespace "
                     "openfaas-fn"));
    const auto cluster = error_for("A6-forbidden-403-cluster-scope.json");
    CHECK(has(cluster, "may not list namespaces (API group \"\") at the cluster scope"));
    CHECK(has(cluster, "RBAC"));
}

TEST_CASE("kubernetes api: 401, 400 and an unreachable server are 503 naming the URL (A1, 22)") {
    Replay unauthorized("GET", "A1-bad-token-401.json");
    auto r401 = get(unauthorized.target(), "/api/v1/namespaces/openfaas-fn/pods");
    REQUIRE_FALSE(r401.ok());
    CHECK(r401.error().code == errc::unavailable);
    CHECK(faas::http_status(r401.error().code) == 503);
    CHECK(has(r401.error(), unauthorized.target().url + " answered 401: Unauthorized"));
    const auto bad = error_for("22-deploy-unknown-field-strict-400.json");
    CHECK(bad.code == errc::unavailable);
    CHECK(has(bad, "answered 400: "));
    CHECK(has(bad, "strict decoding error"));

    kube::ApiTarget gone;
    const auto port = faas::test::free_port();
    gone.endpoint = http::Endpoint{"127.0.0.1", port};
    gone.url = "http://127.0.0.1:" + std::to_string(port);
    gone.timeout = std::chrono::seconds(5);
    auto down = get(gone, "/api/v1/namespaces");
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == errc::unavailable);
    CHECK(has(down.error(), "cannot reach the Kubernetes API server at " + gone.url));
}

TEST_CASE("kubernetes api: a stale resourceVersion is read again and the PUT retried (27, 28)") {
    Replay server(Replay::Answers{{"GET", "25-deploy-get.json"},
                                  {"PUT", "27-deploy-put-stale-409.json"},
                                  {"PUT", "28-deploy-put-current-200.json"}});
    asio::io_context io;
    kube::ApiClient api(io.get_executor(), server.target());
    std::vector<std::string> read;
    const kube::ApiClient::Edit edit = [&read](std::string_view current) {
        read.emplace_back(current);
        return Result<std::string>(std::string(R"({"kind":"Deployment","n":)") +
                                   std::to_string(read.size()) + "}");
    };
    const std::string path = "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo";
    const std::string what = "updating Deployment echo";
    auto r = faas::test::run_sync(io, [&]() -> awaitable<Result<std::string>> {
        co_return co_await api.replace(path, edit, what);
    });
    REQUIRE(r.ok());
    CHECK(r->find("\"kind\":\"Deployment\"") != std::string::npos);
    const auto seen = server.seen();
    REQUIRE(seen.size() == 4);
    CHECK(seen[0].method == "GET");
    CHECK(seen[1].method == "PUT");
    CHECK(seen[1].body == R"({"kind":"Deployment","n":1})");
    CHECK(seen[2].method == "GET");  // read again after the 409 Conflict
    CHECK(seen[3].method == "PUT");
    CHECK(seen[3].body == R"({"kind":"Deployment","n":2})");
    CHECK(read.size() == 2);
}

TEST_CASE("kubernetes api: a read-modify-write gives up after its attempts, and on other 409s") {
    Replay stale(
        Replay::Answers{{"GET", "25-deploy-get.json"}, {"PUT", "27-deploy-put-stale-409.json"}});
    asio::io_context io;
    kube::ApiClient api(io.get_executor(), stale.target());
    const kube::ApiClient::Edit edit = [](std::string_view) { return Result<std::string>("{}"); };
    const std::string path = "/apis/apps/v1/namespaces/openfaas-fn/deployments/echo";
    const std::string what = "updating Deployment echo";
    auto r = faas::test::run_sync(io, [&]() -> awaitable<Result<std::string>> {
        co_return co_await api.replace(path, edit, what);
    });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::conflict);
    CHECK(stale.seen().size() == 2U * kube::ApiClient::kReplaceAttempts);

    Replay exists(
        Replay::Answers{{"GET", "25-deploy-get.json"}, {"PUT", "21-deploy-create-again-409.json"}});
    kube::ApiClient api2(io.get_executor(), exists.target());
    auto r2 = faas::test::run_sync(io, [&]() -> awaitable<Result<std::string>> {
        co_return co_await api2.replace(path, edit, what);
    });
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().code == errc::conflict);
    CHECK(exists.seen().size() == 2);
}

TEST_CASE("kubernetes api: a watch streams its lines to the sink (60)") {
    Replay server("GET", "60-watch-epslice-while-scaling.json");
    asio::io_context io;
    kube::ApiClient api(io.get_executor(), server.target());
    std::string got;
    auto st = faas::test::run_sync(io, [&]() -> awaitable<faas::Status> {
        http::BodySink sink = [&got](std::string_view piece) {
            got.append(piece);
            return true;
        };
        const std::string path = "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/"
                                 "endpointslices?watch=1";
        const std::string what = "watching endpointslices";
        http::StreamOptions opts;
        co_return co_await api.stream(path, opts, std::move(sink), what);
    });
    CHECK(st.ok());
    CHECK(got == transcript("60-watch-epslice-while-scaling.json").body);
}

}  // TEST_SUITE
