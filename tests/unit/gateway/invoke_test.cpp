// gateway/invoke: the call path against real loopback replicas, with the endpoint snapshot
// installed directly (no provider): retry on a replica that refuses, balancing across replicas.
#include <atomic>
#include <future>
#include <map>
#include <memory>

#include <doctest/doctest.h>

#include "gateway/context.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/test_server.hpp"

using faas::awaitable;
using faas::gateway::Config;
using faas::gateway::FunctionEntry;
using faas::gateway::Metrics;
using faas::gateway::Replica;
using faas::gateway::Shared;
using faas::gateway::Snapshot;
using faas::gateway::ThreadState;
namespace http = faas::http;

namespace {

// A replica: answers with its own name and the target it saw.
http::Handler replica(std::string name) {
    return [name](http::Exchange& ex) -> awaitable<void> {
        auto body = co_await ex.read_body(1U << 20U);
        http::Response r;
        r.headers.set("X-Replica", name);
        r.body = name + " " + std::string(ex.target()) + " " + (body ? body.value() : "");
        (void)co_await ex.respond(std::move(r));
    };
}

// The gateway's call path on one server thread, with `snap` installed as its endpoint list.
struct Harness {
    explicit Harness(std::shared_ptr<const Snapshot> snap)
        : shared(config, faas::log::make("gateway-unit"), metrics),
          server([this, snap](asio::io_context& ioc) -> http::Handler {
              state = std::make_unique<ThreadState>(ioc, shared);
              state->set_snapshot(snap);
              return [this](http::Exchange& ex) -> awaitable<void> {
                  auto route = faas::gateway::parse_function_route(ex.target(), "openfaas-fn");
                  co_await faas::gateway::handle_function(*state, ex, std::move(*route));
              };
          }) {}
    // The thread state's pooled connections belong to the server thread's io_context: drop
    // them there, before the server (and its io_context) goes away.
    ~Harness() {
        server.shutdown(std::chrono::seconds(1));  // every call has finished
        std::promise<void> done;
        asio::post(server.pool().context(0), [&] {
            state.reset();
            done.set_value();
        });
        done.get_future().wait();
    }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    Config config;
    Metrics metrics;
    Shared shared;
    std::unique_ptr<ThreadState> state;
    faas::test::TestServer server;
};

std::shared_ptr<const Snapshot> snapshot_of(std::vector<Replica> replicas) {
    auto snap = std::make_shared<Snapshot>();
    snap->generation = 5;
    FunctionEntry f;
    f.name = "echo";
    f.namespace_ = "openfaas-fn";
    f.replicas = replicas.size();
    f.endpoints = std::move(replicas);
    snap->functions.emplace("echo.openfaas-fn", std::move(f));
    return snap;
}

}  // namespace

TEST_SUITE_BEGIN("gateway.invoke");

TEST_CASE("invoke: a replica that refuses the connection is skipped and the call succeeds") {
    faas::test::TestServer live(faas::test::same_handler(replica("live")));
    const auto dead = faas::test::free_port();
    Harness h(snapshot_of(
        {Replica{"dead", {"127.0.0.1", dead}}, Replica{"live", {"127.0.0.1", live.port()}}}));
    std::atomic<int> refreshes{0};
    h.shared.request_refresh = [&] { ++refreshes; };
    faas::test::SyncClient client;
    for (int i = 0; i < 6; ++i) {
        // POST bodies small enough to be buffered, so the retry must send them again.
        auto r = client.post(h.server.port(), "/function/echo/p?q=" + std::to_string(i), "body");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(r->body == "live /p?q=" + std::to_string(i) + " body");
    }
    // Only the first call met the refusal; after that the suspect replica was left alone.
    CHECK(h.metrics.replica_retries.Add({{"function_name", "echo.openfaas-fn"}}).Value() == 1);
    CHECK(refreshes == 1);
}

TEST_CASE("invoke: calls spread over idle replicas") {
    faas::test::TestServer a(faas::test::same_handler(replica("a")));
    faas::test::TestServer b(faas::test::same_handler(replica("b")));
    Harness h(snapshot_of(
        {Replica{"a", {"127.0.0.1", a.port()}}, Replica{"b", {"127.0.0.1", b.port()}}}));
    h.shared.request_refresh = [] {};
    faas::test::SyncClient client;
    std::map<std::string, int> seen;
    for (int i = 0; i < 10; ++i) {
        auto r = client.get(h.server.port(), "/function/echo");
        REQUIRE(r.ok());
        REQUIRE(r->status == 200);
        ++seen[std::string(r->headers.get("X-Replica").value_or(""))];
    }
    CHECK(seen["a"] == 5);
    CHECK(seen["b"] == 5);
}

TEST_SUITE_END();
