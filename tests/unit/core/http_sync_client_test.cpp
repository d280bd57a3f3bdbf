// core/http/sync_client and ClientPool::stream(): streamed bodies reach the sink as they arrive.
#include "core/http/sync_client.hpp"

#include <future>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/errc.hpp"
#include "tests/support/reply.hpp"
#include "tests/support/test_server.hpp"
#include "tests/support/wait.hpp"

namespace http = faas::http;
using faas::awaitable;
using faas::errc;
using faas::test::same_handler;
using faas::test::TestServer;
using namespace std::chrono_literals;

namespace {

// Streams three lines as separate chunks; "/fail" answers 404 with a text body instead.
awaitable<void> lines(http::Exchange& ex) {
    if (ex.path() == "/fail") {
        http::Response missing = http::text_error(404, "no such thing");
        (void)co_await ex.respond(std::move(missing));
        co_return;
    }
    const http::Headers headers;
    auto started = co_await ex.begin_response(200, headers, std::nullopt);
    for (const char* line : {"one\n", "two\n", "three\n"}) {
        if (!started || !co_await ex.write_body(line)) {
            co_return;
        }
    }
    (void)co_await ex.end_response();
}

}  // namespace

TEST_SUITE("core sync client") {
    TEST_CASE("sync client: a streamed body reaches the sink in full") {
        TestServer server(same_handler(lines));
        http::SyncClient client;
        std::string got;
        http::Request req;
        req.target = "/stream";
        auto r = client.stream(http::Endpoint{"127.0.0.1", server.port()}, req, {},
                               [&](std::string_view data) {
                                   got += data;
                                   return true;
                               });
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(got == "one\ntwo\nthree\n");
        CHECK(r->body.empty());
    }

    TEST_CASE("sync client: each streamed piece reaches the sink before the body ends") {
        // The server sends "one\n", then waits until the client has seen it before it ends.
        auto seen = std::make_shared<std::promise<void>>();
        auto seen_future = seen->get_future().share();
        TestServer server(same_handler([seen_future](http::Exchange& ex) -> awaitable<void> {
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
        http::SyncClient client;
        std::string got;
        bool signalled = false;
        auto r = client.stream(http::Endpoint{"127.0.0.1", server.port()}, http::Request{}, {},
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

    TEST_CASE("sync client: a non-2xx body is returned, not streamed") {
        TestServer server(same_handler(lines));
        http::SyncClient client;
        bool sunk = false;
        http::Request req;
        req.target = "/fail";
        auto r = client.stream(http::Endpoint{"127.0.0.1", server.port()}, req, {},
                               [&](std::string_view) {
                                   sunk = true;
                                   return true;
                               });
        REQUIRE(r.ok());
        CHECK(r->status == 404);
        CHECK(r->body == "no such thing\n");
        CHECK_FALSE(sunk);
    }

    TEST_CASE("sync client: a refused connection is connect_failed") {
        std::uint16_t port = 0;
        {
            TestServer server(same_handler(lines));
            port = server.port();
        }
        http::SyncClient client;
        http::CallOptions options;
        options.timeout = 2s;
        auto r = client.call(http::Endpoint{"127.0.0.1", port}, http::Request{}, options);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == errc::connect_failed);
    }

    TEST_CASE("sync client: run_for reports a missed bound as nullopt") {
        asio::io_context io;
        auto r = http::run_for(
            io,
            [&]() -> awaitable<int> {
                asio::steady_timer t(io);
                t.expires_after(10s);
                co_await t.async_wait(faas::use_awaitable);
                co_return 1;
            },
            20ms);
        CHECK_FALSE(r.has_value());
    }
}
