// core/http/server: the Server and its Exchange on loopback port 0, driven by core's client and
// by raw sockets for what a well-behaved client cannot send.
#include <future>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "core/errc.hpp"
#include "core/http/server.hpp"
#include "tests/support/gate.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/reply.hpp"
#include "tests/support/test_server.hpp"

namespace http = faas::http;
using faas::awaitable;
using faas::test::Gate;
using faas::test::kMaxWait;
using faas::test::RawConnection;
using faas::test::reply;
using faas::test::same_handler;
using faas::test::SyncClient;
using faas::test::TestServer;
using namespace std::chrono_literals;

namespace {

// Answers with a description of the request it saw.
awaitable<void> describe(http::Exchange& ex) {
    auto body = co_await ex.read_body(1 << 20);
    std::string out;
    out += "method=" + std::string(ex.method()) + "\n";
    out += "target=" + std::string(ex.target()) + "\n";
    out += "path=" + std::string(ex.path()) + "\n";
    out += "query=" + std::string(ex.query()) + "\n";
    out += "x-a=" + std::string(ex.header("x-a").value_or("-")) + "\n";
    out += "length=" +
           (ex.content_length() ? std::to_string(*ex.content_length()) : std::string("none")) +
           "\n";
    out += "chunked=" + std::string(ex.chunked() ? "yes" : "no") + "\n";
    out += "version=" + std::to_string(ex.version()) + "\n";
    out += "body=" + (body ? *body : "error: " + body.error().what()) + "\n";
    // Built outside the co_await: g++ 12 rejects string-literal braced temporaries inside one.
    http::Response r{200, {http::Header{"Content-Type", "text/plain"}}, out};
    (void)co_await ex.respond(std::move(r));
}

// Answers with the peer's address, which tells connections apart.
awaitable<void> whoami(http::Exchange& ex) {
    co_await reply(ex, 200, ex.remote_address());
}

}  // namespace

TEST_SUITE_BEGIN("core.http.server");
TEST_CASE("server: the exchange exposes method target query headers and body") {
    TestServer server(same_handler(describe));
    auto r =
        faas::test::http_post(server.port(), "/a/b?x=1&y=2", "hello", {http::Header{"X-A", "v"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body ==
          "method=POST\ntarget=/a/b?x=1&y=2\npath=/a/b\nquery=x=1&y=2\nx-a=v\nlength=5\n"
          "chunked=no\nversion=11\nbody=hello\n");
    CHECK(r->headers.get("Content-Length") ==
          std::optional<std::string_view>(std::to_string(r->body.size())));
    CHECK(r->headers.has("Date"));
}

TEST_CASE("server: keeps a connection alive and the client reuses it") {
    TestServer server(same_handler(whoami));
    SyncClient client;
    auto first = client.get(server.port(), "/");
    REQUIRE(first.ok());
    CHECK(first->status == 200);
    CHECK(first->body.starts_with("127.0.0.1:"));
    CHECK(client.idle_connections() == 1);
    auto second = client.get(server.port(), "/");
    REQUIRE(second.ok());
    // Same client port: the same TCP connection.
    CHECK(second->body == first->body);
    CHECK(client.idle_connections() == 1);
    CHECK(server.server().connections() == 1);
}

TEST_CASE("server: read_body over its limit answers 413 and closes the connection") {
    TestServer server(same_handler([](http::Exchange& ex) -> awaitable<void> {
        auto body = co_await ex.read_body(16);
        if (!body) {
            (void)co_await ex.respond(
                http::text_error(faas::http_status(body.error().code), body.error().what()));
            co_return;
        }
        co_await reply(ex, 200, std::move(*body));
    }));
    SyncClient client;
    auto small = client.post(server.port(), "/", "0123456789abcdef");
    REQUIRE(small.ok());
    CHECK(small->status == 200);
    CHECK(small->body == "0123456789abcdef");

    auto big = client.post(server.port(), "/", std::string(100, 'x'));
    REQUIRE(big.ok());
    CHECK(big->status == 413);
    CHECK(big->body == "request body too large\n");
    CHECK(big->headers.get("Connection") == std::optional<std::string_view>("close"));
    CHECK(client.idle_connections() == 0);

    // A chunked body has no length up front: the limit applies while reading.
    RawConnection raw(server.port());
    REQUIRE(
        raw.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "14\r\n01234567890123456789\r\n0\r\n\r\n"));
    auto chunked = faas::test::read_response(raw);
    REQUIRE(chunked.has_value());
    CHECK(chunked->status == 413);
}

TEST_CASE("server: read_some streams a chunked request body") {
    TestServer server(same_handler([](http::Exchange& ex) -> awaitable<void> {
        std::string all;
        std::array<char, 3> buf{};  // tiny on purpose: many reads
        for (;;) {
            auto n = co_await ex.read_some(buf);
            if (!n) {
                http::Response bad = http::text_error(400, n.error().what());
                (void)co_await ex.respond(std::move(bad));
                co_return;
            }
            if (*n == 0) {
                break;
            }
            all.append(buf.data(), *n);
        }
        const std::string answer = (ex.chunked() ? "chunked:" : "plain:") + all;
        co_await reply(ex, 200, answer);
    }));
    RawConnection raw(server.port());
    REQUIRE(
        raw.send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"));
    auto r = faas::test::read_response(raw);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "chunked:hello, world");
}

TEST_CASE("server: a streamed response without a length is sent chunked") {
    TestServer server(same_handler([](http::Exchange& ex) -> awaitable<void> {
        const http::Headers headers{http::Header{"Content-Type", "text/plain"}};
        auto st = co_await ex.begin_response(200, headers, std::nullopt);
        if (st) {
            st = co_await ex.write_body("part1");
        }
        if (st) {
            st = co_await ex.write_body("");  // an empty write must not end the chunked body
        }
        if (st) {
            st = co_await ex.write_body("part2");
        }
        if (st) {
            (void)co_await ex.end_response();
        }
    }));
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = faas::test::read_response(raw);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->chunked);
    CHECK(r->body == "part1part2");
    CHECK_FALSE(r->headers.has("Content-Length"));
    // The connection stays usable for the next request.
    REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto again = faas::test::read_response(raw);
    REQUIRE(again.has_value());
    CHECK(again->body == "part1part2");

    // The client reassembles it.
    auto viaclient = faas::test::http_get(server.port(), "/");
    REQUIRE(viaclient.ok());
    CHECK(viaclient->body == "part1part2");
}

TEST_CASE("server: a streamed response to an HTTP/1.0 client ends with the connection") {
    TestServer server(same_handler([](http::Exchange& ex) -> awaitable<void> {
        const http::Headers none;
        auto st = co_await ex.begin_response(200, none, std::nullopt);
        if (st) {
            st = co_await ex.write_body("old client");
        }
        if (st) {
            (void)co_await ex.end_response();
        }
    }));
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.0\r\n\r\n"));
    REQUIRE(raw.read_until_close());
    const std::string& data = raw.buffer();
    CHECK(data.starts_with("HTTP/1.0 200 OK\r\n"));
    CHECK(data.find("Transfer-Encoding") == std::string::npos);
    CHECK(data.ends_with("\r\n\r\nold client"));
}

TEST_CASE("server: HEAD gets the length of the body but not the body") {
    TestServer server(same_handler(
        [](http::Exchange& ex) -> awaitable<void> { co_await reply(ex, 200, "0123456789"); }));
    RawConnection raw(server.port());
    REQUIRE(raw.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto head = faas::test::read_response(raw, true);
    REQUIRE(head.has_value());
    CHECK(head->status == 200);
    CHECK(head->headers.get("Content-Length") == std::optional<std::string_view>("10"));
    // The next response starts right after the head: no body bytes were sent.
    auto get = faas::test::read_response(raw);
    REQUIRE(get.has_value());
    CHECK(get->body == "0123456789");
}

TEST_CASE("server: malformed request bytes get 400 and the connection is closed") {
    TestServer server(same_handler(whoami));
    for (const char* bad : {"\x01\x02 nonsense\r\n\r\n", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
                            "GET / HTTP/9.9\r\n\r\n"}) {
        CAPTURE(bad);
        RawConnection raw(server.port());
        REQUIRE(raw.send(bad));
        REQUIRE(raw.read_until_close());
        const std::string& data = raw.buffer();
        CHECK(data.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        CHECK(data.find("Connection: close\r\n") != std::string::npos);
        CHECK(data.find("\r\n\r\nBad Request: ") != std::string::npos);
    }
}

TEST_CASE("server: a head over header_limit gets 431") {
    http::ServerOptions options;
    options.header_limit = 1024;
    TestServer server(same_handler(whoami), options);
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"));
    REQUIRE(raw.read_until_close());
    CHECK(raw.buffer().starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

TEST_CASE("server: Expect 100-continue is answered before the body is read") {
    TestServer server(same_handler(describe));
    RawConnection raw(server.port());
    REQUIRE(
        raw.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                 "Expect: 100-continue\r\n\r\n"));
    REQUIRE(raw.read_until("\r\n\r\n"));
    CHECK(raw.buffer() == "HTTP/1.1 100 Continue\r\n\r\n");
    raw.buffer().clear();
    REQUIRE(raw.send("abc"));
    auto r = faas::test::read_response(raw);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body.find("body=abc\n") != std::string::npos);
}

TEST_CASE("server: a handler that throws gets 500 and the connection closes") {
    TestServer server(same_handler([](http::Exchange&) -> awaitable<void> {
        throw std::runtime_error("boom");
        co_return;
    }));
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = faas::test::read_response(raw);
    REQUIRE(r.has_value());
    CHECK(r->status == 500);
    CHECK(r->body == "internal server error\n");
    CHECK(r->headers.get("Connection") == std::optional<std::string_view>("close"));
}

TEST_CASE("server: a handler that returns without answering gets 500") {
    TestServer server(same_handler([](http::Exchange&) -> awaitable<void> { co_return; }));
    auto r = faas::test::http_get(server.port(), "/");
    REQUIRE(r.ok());
    CHECK(r->status == 500);
}

TEST_CASE("server: shutdown lets an in-flight request finish and refuses new connections") {
    Gate* gate = nullptr;  // owned by the handler, so it dies before the server's io_context
    TestServer server([&gate](asio::io_context& ctx) -> http::Handler {
        auto owned = std::make_shared<Gate>(ctx);
        gate = owned.get();
        return [g = owned](http::Exchange& ex) -> awaitable<void> {
            g->enter();
            const bool opened = co_await g->wait(kMaxWait);
            co_await reply(ex, 200, opened ? "finished" : "gate never opened");
        };
    });
    const auto port = server.port();
    // An idle keep-alive connection: shutdown closes it at once.
    RawConnection idle(port);

    auto call =
        std::async(std::launch::async, [port] { return faas::test::http_get(port, "/slow"); });
    REQUIRE(gate->wait_entered(kMaxWait));
    auto done = server.start_shutdown(5s);
    REQUIRE(idle.read_until_close());
    CHECK(idle.buffer().empty());
    CHECK(done.wait_for(0s) == std::future_status::timeout);  // the call is still running

    gate->open();
    REQUIRE(call.wait_for(kMaxWait) == std::future_status::ready);
    auto r = call.get();
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "finished");
    CHECK(r->headers.get("Connection") == std::optional<std::string_view>("close"));
    REQUIRE(done.wait_for(kMaxWait) == std::future_status::ready);
    CHECK_FALSE(faas::test::port_accepts(port));
}

TEST_CASE("server: shutdown force-closes a request still running after the drain") {
    Gate* gate = nullptr;  // owned by the handler, so it dies before the server's io_context
    TestServer server([&gate](asio::io_context& ctx) -> http::Handler {
        auto owned = std::make_shared<Gate>(ctx);
        gate = owned.get();
        return [g = owned](http::Exchange& ex) -> awaitable<void> {
            g->enter();
            // Streams until the socket is closed under it.
            const http::Headers none;
            auto st = co_await ex.begin_response(200, none, std::nullopt);
            while (st) {
                (void)co_await g->wait(20ms);
                st = co_await ex.write_body("tick");
            }
        };
    });
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    REQUIRE(gate->wait_entered(kMaxWait));
    REQUIRE(server.shutdown(100ms));
    REQUIRE(raw.read_until_close());
    CHECK(raw.buffer().starts_with("HTTP/1.1 200 OK\r\n"));
    // The chunked body never got its terminating chunk.
    CHECK_FALSE(raw.buffer().ends_with("0\r\n\r\n"));
}

TEST_SUITE_END();
