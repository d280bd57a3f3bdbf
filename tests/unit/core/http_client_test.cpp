// core/http/client: ClientPool::request() and forward() against real loopback servers.
#include "tests/support/http_client.hpp"

#include <array>
#include <future>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "core/errc.hpp"
#include "core/http/client.hpp"
#include "core/http/sync_client.hpp"
#include "tests/support/gate.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/reply.hpp"
#include "tests/support/test_server.hpp"

namespace http = faas::http;
using faas::awaitable;
using faas::errc;
using faas::test::Gate;
using faas::test::kMaxWait;
using faas::test::reply;
using faas::test::same_handler;
using faas::test::SyncClient;
using faas::test::TestServer;
using namespace std::chrono_literals;

namespace {

// The upstream: echoes what it saw in headers, and the body back (or X-Want-Bytes bytes).
awaitable<void> upstream(http::Exchange& ex) {
    const bool chunked = ex.chunked();
    auto body = co_await ex.read_body(64U << 20U);
    if (!body) {
        http::Response bad = http::text_error(400, body.error().what());
        (void)co_await ex.respond(std::move(bad));
        co_return;
    }
    http::Response r;
    r.status = 200;
    if (auto want = ex.header("X-Want-Status")) {
        r.status = std::stoi(std::string(*want));
    }
    r.headers.add("X-Upstream-Method", ex.method());
    r.headers.add("X-Upstream-Target", ex.target());
    r.headers.add("X-Seen-Custom", ex.header("X-Custom").value_or("-"));
    r.headers.add("X-Seen-Host", ex.header("Host").value_or("-"));
    r.headers.add("X-Body-Length", std::to_string(body->size()));
    r.headers.add("X-Body-Chunked", chunked ? "yes" : "no");
    r.headers.add("X-Repeated", "1");
    r.headers.add("X-Repeated", "2");
    if (auto want = ex.header("X-Want-Bytes")) {
        r.body.assign(std::stoul(std::string(*want)), 'b');
    } else {
        r.body = std::move(*body);
    }
    (void)co_await ex.respond(std::move(r));
}

// A proxy: forwards every exchange to 127.0.0.1:`to` with a pool per server thread, and
// answers errors before the response started with their mapped status.
http::HandlerFactory proxy_to(std::uint16_t to, http::ForwardOptions options = {}) {
    return [to, options](asio::io_context& ctx) -> http::Handler {
        auto pool = std::make_shared<http::ClientPool>(ctx.get_executor());
        return [pool, to, options](http::Exchange& ex) -> awaitable<void> {
            const http::Endpoint endpoint{"127.0.0.1", to};
            auto r = co_await pool->forward(ex, endpoint, options);
            if (!r && !ex.response_started()) {
                (void)co_await ex.respond(
                    http::text_error(faas::http_status(r.error().code), r.error().what()));
            }
        };
    };
}

// A deterministic body with no repeating short period, so a misplaced chunk shows.
std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    std::uint32_t x = 2463534242U;
    for (auto& c : s) {
        x ^= x << 13U;
        x ^= x >> 17U;
        x ^= x << 5U;
        c = static_cast<char>(x & 0xFFU);
    }
    return s;
}

}  // namespace

TEST_SUITE_BEGIN("core.http.client");
TEST_CASE("client: request returns status headers and body as sent") {
    TestServer server(same_handler(upstream));
    http::Request req;
    req.method = "PUT";
    req.target = "/r?q=1";
    req.headers = {{"X-Custom", "c"}, {"X-Want-Status", "201"}};
    req.body = "payload";
    auto r = faas::test::http_call(server.port(), req);
    REQUIRE(r.ok());
    CHECK(r->status == 201);
    CHECK(r->body == "payload");
    CHECK(r->headers.get("X-Upstream-Method") == std::optional<std::string_view>("PUT"));
    CHECK(r->headers.get("X-Upstream-Target") == std::optional<std::string_view>("/r?q=1"));
    CHECK(r->headers.get("X-Seen-Custom") == std::optional<std::string_view>("c"));
    CHECK(r->headers.get("X-Seen-Host") ==
          std::optional<std::string_view>("127.0.0.1:" + std::to_string(server.port())));
    int repeated = 0;
    for (const auto& h : r->headers) {
        repeated += h.name == "X-Repeated" ? 1 : 0;
    }
    CHECK(repeated == 2);
}

TEST_CASE("client: a refused connection is connect_failed") {
    const auto port = faas::test::free_port();
    auto r = faas::test::http_get(port, "/");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::connect_failed);
    CHECK(r.error().what().starts_with("connecting to 127.0.0.1:" + std::to_string(port) + ": "));
}

TEST_CASE("client: a server slower than the call timeout is a timeout") {
    Gate* gate = nullptr;  // owned by the handler, so it dies before the server's io_context
    TestServer server([&gate](asio::io_context& ctx) -> http::Handler {
        auto owned = std::make_shared<Gate>(ctx);
        gate = owned.get();
        return [g = owned](http::Exchange& ex) -> awaitable<void> {
            g->enter();
            (void)co_await g->wait(kMaxWait);
            co_await reply(ex, 200, "late");
        };
    });
    auto r = faas::test::http_get(server.port(), "/", 200ms);
    gate->open();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::timeout);
}

TEST_CASE("client: a response over max_response_bytes is output_too_large") {
    TestServer server(same_handler(upstream));
    SyncClient client;
    http::Request req;
    req.headers = {http::Header{"X-Want-Bytes", "1000"}};
    http::CallOptions options;
    options.max_response_bytes = 100;
    auto r = faas::test::run_sync(client.context(), [&] {
        return client.pool().request(http::Endpoint{"127.0.0.1", server.port()}, req, options);
    });
    if (r.ok()) {
        FAIL("expected output_too_large, got status " << r->status << " with a body of "
                                                      << r->body.size() << " bytes");
    }
    CHECK(r.error().code == errc::output_too_large);
}

TEST_CASE("client: HEAD reads the head and no body") {
    TestServer server(same_handler(upstream));
    SyncClient client;
    http::Request req;
    req.method = "HEAD";
    req.headers = {http::Header{"X-Want-Bytes", "10"}};
    auto r = client.call(server.port(), req);
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body.empty());
    CHECK(r->headers.get("Content-Length") == std::optional<std::string_view>("10"));
    // The connection is in a clean state for the next call.
    auto next = client.post(server.port(), "/", "after head");
    REQUIRE(next.ok());
    CHECK(next->body == "after head");
    CHECK(client.idle_connections() == 1);
}

TEST_CASE("client: a pooled connection the server closed is replaced") {
    faas::test::RawListener listener;
    SyncClient client;
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    auto serve_one = [&] {
        auto conn = listener.accept();
        REQUIRE(conn != nullptr);
        REQUIRE(conn->read_until("\r\n\r\n"));
        REQUIRE(conn->send(answer));
        return conn;
    };
    {
        auto server_side = std::async(std::launch::async, serve_one);
        auto first = client.get(listener.port(), "/");
        REQUIRE(first.ok());
        CHECK(first->body == "ok");
        CHECK(client.idle_connections() == 1);
        // Closes the connection the client keeps in its pool.
        server_side.get().reset();
    }
    auto server_side = std::async(std::launch::async, serve_one);
    auto second = client.get(listener.port(), "/");
    REQUIRE(second.ok());
    CHECK(second->body == "ok");
    REQUIRE(server_side.wait_for(kMaxWait) == std::future_status::ready);
}

TEST_CASE("client: forward relays status headers body and query") {
    TestServer up(same_handler(upstream));
    http::ForwardOptions options;
    options.duration_header = true;
    options.response_headers = {http::Header{"X-Proxy", "yes"}};
    options.request_headers = {http::Header{"X-Added", "by-proxy"}};
    TestServer proxy(proxy_to(up.port(), options));
    auto r = faas::test::http_post(proxy.port(), "/a/b?x=1&y=2", "hello",
                                   {{"X-Custom", "c"}, {"X-Want-Status", "201"}});
    REQUIRE(r.ok());
    CHECK(r->status == 201);
    CHECK(r->body == "hello");
    CHECK(r->headers.get("X-Upstream-Method") == std::optional<std::string_view>("POST"));
    CHECK(r->headers.get("X-Upstream-Target") == std::optional<std::string_view>("/a/b?x=1&y=2"));
    CHECK(r->headers.get("X-Seen-Custom") == std::optional<std::string_view>("c"));
    // The client's Host goes through unchanged.
    CHECK(r->headers.get("X-Seen-Host") ==
          std::optional<std::string_view>("127.0.0.1:" + std::to_string(proxy.port())));
    CHECK(r->headers.get("X-Proxy") == std::optional<std::string_view>("yes"));
    CHECK(r->headers.has("X-Duration-Seconds"));
    CHECK(r->headers.get("Content-Length") == std::optional<std::string_view>("5"));
}

TEST_CASE("client: forward keeps the upstream connection for the next call") {
    TestServer up(same_handler(upstream));
    TestServer proxy(proxy_to(up.port()));
    SyncClient client;
    for (int i = 0; i < 3; ++i) {
        auto r = client.post(proxy.port(), "/", "n" + std::to_string(i));
        REQUIRE(r.ok());
        CHECK(r->body == "n" + std::to_string(i));
    }
    CHECK(up.server().connections() == 1);
}

TEST_CASE("client: forward relays a 404 and a HEAD without a body") {
    TestServer up(same_handler(upstream));
    TestServer proxy(proxy_to(up.port()));
    SyncClient client;
    auto missing = client.post(proxy.port(), "/nope", "", {http::Header{"X-Want-Status", "404"}});
    REQUIRE(missing.ok());
    CHECK(missing->status == 404);

    http::Request head;
    head.method = "HEAD";
    head.target = "/h";
    head.headers = {http::Header{"X-Want-Bytes", "10"}};
    auto r = client.call(proxy.port(), head);
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body.empty());
    CHECK(r->headers.get("X-Upstream-Method") == std::optional<std::string_view>("HEAD"));
    CHECK(r->headers.get("Content-Length") == std::optional<std::string_view>("10"));
    auto after = client.post(proxy.port(), "/", "still in sync");
    REQUIRE(after.ok());
    CHECK(after->body == "still in sync");
}

TEST_CASE("client: forward streams a 2 MiB body both ways") {
    TestServer up(same_handler(upstream));
    TestServer proxy(proxy_to(up.port()));
    const std::string body = pattern(2U << 20U);
    auto r = faas::test::http_post(proxy.port(), "/big", body);
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Body-Length") == std::optional<std::string_view>("2097152"));
    CHECK(r->body.size() == body.size());
    CHECK(r->body == body);
}

TEST_CASE("client: forward streams a chunked upload as chunked") {
    TestServer up(same_handler(upstream));
    TestServer proxy(proxy_to(up.port()));
    const std::string part = pattern(100'000);
    std::string chunks;
    for (int i = 0; i < 5; ++i) {
        std::array<char, 16> size{};
        std::snprintf(size.data(), size.size(), "%zx\r\n", part.size());
        chunks += size.data();
        chunks += part;
        chunks += "\r\n";
    }
    chunks += "0\r\n\r\n";
    auto r = faas::test::duplex_exchange(
        proxy.port(), "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", chunks);
    CHECK(r.status == 200);
    CHECK(r.headers.get("X-Body-Chunked") == std::optional<std::string_view>("yes"));
    CHECK(r.headers.get("X-Body-Length") == std::optional<std::string_view>("500000"));
    CHECK(r.body == part + part + part + part + part);
}

TEST_CASE("client: forward answers connect_failed when the upstream is down") {
    const auto dead = faas::test::free_port();
    TestServer proxy(proxy_to(dead));
    auto r = faas::test::http_get(proxy.port(), "/");
    REQUIRE(r.ok());
    CHECK(r->status == 502);
    CHECK(r->body.starts_with("connecting to 127.0.0.1:" + std::to_string(dead)));
}

TEST_CASE("client: forward times out waiting for the upstream head") {
    Gate* gate = nullptr;  // owned by the handler, so it dies before the server's io_context
    TestServer up([&gate](asio::io_context& ctx) -> http::Handler {
        auto owned = std::make_shared<Gate>(ctx);
        gate = owned.get();
        return [g = owned](http::Exchange& ex) -> awaitable<void> {
            g->enter();
            (void)co_await g->wait(kMaxWait);
            co_await reply(ex, 200, "late");
        };
    });
    http::ForwardOptions options;
    options.timeout = 200ms;
    TestServer proxy(proxy_to(up.port(), options));
    auto r = faas::test::http_get(proxy.port(), "/");
    gate->open();
    REQUIRE(r.ok());
    CHECK(r->status == 504);
}

TEST_CASE("client: forward refuses a body over max_request_bytes with 413") {
    TestServer up(same_handler(upstream));
    http::ForwardOptions options;
    options.max_request_bytes = 10;
    TestServer proxy(proxy_to(up.port(), options));
    auto r = faas::test::http_post(proxy.port(), "/", std::string(11, 'x'));
    REQUIRE(r.ok());
    CHECK(r->status == 413);
    auto ok = faas::test::http_post(proxy.port(), "/", std::string(10, 'x'));
    REQUIRE(ok.ok());
    CHECK(ok->status == 200);
}

TEST_CASE("client: forward sends a buffered body again from the replay slot after connect_failed") {
    TestServer up(same_handler(upstream));
    const auto dead = faas::test::free_port();
    // First a refused endpoint, then the live one, with the same exchange and slot.
    TestServer proxy([&](asio::io_context& ctx) -> http::Handler {
        auto pool = std::make_shared<http::ClientPool>(ctx.get_executor());
        const auto live = up.port();
        return [pool, dead, live](http::Exchange& ex) -> awaitable<void> {
            std::optional<std::string> slot;
            http::ForwardOptions options;
            options.replay_body = &slot;
            const http::Endpoint refused{"127.0.0.1", dead};
            auto first = co_await pool->forward(ex, refused, options);
            CHECK((!first.ok() && first.error().code == errc::connect_failed));
            CHECK(slot.has_value());
            const http::Endpoint endpoint{"127.0.0.1", live};
            auto r = co_await pool->forward(ex, endpoint, options);
            if (!r && !ex.response_started()) {
                http::Response failed = http::text_error(500, r.error().what());
                (void)co_await ex.respond(std::move(failed));
            }
        };
    });
    auto r = faas::test::http_post(proxy.port(), "/again", "small body");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->headers.get("X-Body-Length") == std::optional<std::string_view>("10"));
    CHECK(r->body == "small body");
}

TEST_CASE("client: forward relays a chunked upstream response as it streams") {
    TestServer up(same_handler([](http::Exchange& ex) -> awaitable<void> {
        const http::Headers h{{"Content-Type", "application/x-ndjson"}};
        if (!co_await ex.begin_response(200, h, std::nullopt)) {
            co_return;
        }
        for (int i = 0; i < 3; ++i) {
            const std::string line = "{\"line\":" + std::to_string(i) + "}\n";
            if (!co_await ex.write_body(line)) {
                co_return;
            }
        }
        (void)co_await ex.end_response();
    }));
    TestServer proxy(proxy_to(up.port()));
    auto r = faas::test::http_get(proxy.port(), "/stream");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->headers.get("Content-Type") ==
          std::optional<std::string_view>("application/x-ndjson"));
    CHECK(r->body == "{\"line\":0}\n{\"line\":1}\n{\"line\":2}\n");
}

TEST_CASE("client: forward relays each piece of a slow stream as it arrives") {
    // The upstream sends "one\n", then waits until the client has seen it through the proxy.
    auto seen = std::make_shared<std::promise<void>>();
    auto seen_future = seen->get_future().share();
    TestServer up(same_handler([seen_future](http::Exchange& ex) -> awaitable<void> {
        const http::Headers headers;
        if (!co_await ex.begin_response(200, headers, std::nullopt) ||
            !co_await ex.write_body("one\n")) {
            co_return;
        }
        asio::steady_timer t(co_await asio::this_coro::executor);
        for (int i = 0; i < 500 && seen_future.wait_for(0s) != std::future_status::ready; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(faas::use_awaitable);
        }
        (void)co_await ex.write_body(
            seen_future.wait_for(0s) == std::future_status::ready ? "two\n" : "late\n");
        (void)co_await ex.end_response();
    }));
    TestServer proxy(proxy_to(up.port()));
    http::SyncClient client;
    std::string got;
    bool signalled = false;
    auto r = client.stream(http::Endpoint{"127.0.0.1", proxy.port()}, http::Request{}, {},
                           [&](std::string_view data) {
                               got += data;
                               if (!signalled && got.find('\n') != std::string::npos) {
                                   signalled = true;
                                   seen->set_value();
                               }
                               return true;
                           });
    REQUIRE(r.ok());
    CHECK(got == "one\ntwo\n");
}

TEST_SUITE_END();
