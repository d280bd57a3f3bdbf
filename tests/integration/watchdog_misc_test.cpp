// fwatchdog: metrics, malformed requests, and pre-spawned processes.
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/integration/watchdog_fixture.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"

using faas::test::has_line;
using faas::test::Watchdog;

namespace {

// The value of the first sample line starting with `name{` that has every label in `labels`.
std::optional<double> sample(const std::string& exposition,
                             const std::string& name,
                             const std::vector<std::string>& labels) {
    std::istringstream in(exposition);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with(name + "{")) {
            continue;
        }
        bool all = true;
        for (const auto& l : labels) {
            all = all && line.find(l) != std::string::npos;
        }
        if (all) {
            return std::stod(line.substr(line.rfind(' ') + 1));
        }
    }
    return std::nullopt;
}

}  // namespace

TEST_SUITE_BEGIN("watchdog.misc");

TEST_CASE("watchdog metrics: http_requests_total counts calls by code and method") {
    Watchdog dog({{"fprocess", "cat"}});
    for (int i = 0; i < 2; ++i) {
        auto r = dog.post("/", "x");
        REQUIRE(r.ok());
        REQUIRE(r->status == 200);
    }
    auto m = faas::test::http_get(dog.metrics_port(), "/metrics");
    REQUIRE(m.ok());
    CHECK(m->status == 200);
    CAPTURE(m->body);
    CHECK(m->headers.get("Content-Type").value_or("").starts_with("text/plain"));
    // of-watchdog (promhttp) spells methods in lower case; accept either spelling.
    auto posts = sample(m->body, "http_requests_total", {"code=\"200\"", "method=\"POST\""});
    if (!posts) {
        posts = sample(m->body, "http_requests_total", {"code=\"200\"", "method=\"post\""});
    }
    REQUIRE(posts.has_value());
    CHECK(*posts >= 2.0);
    CHECK(m->body.find("http_request_duration_seconds_bucket{") != std::string::npos);
    CHECK(m->body.find("http_requests_in_flight") != std::string::npos);
}

TEST_CASE("watchdog: malformed HTTP gets 400 and the connection is closed") {
    Watchdog dog({{"fprocess", "cat"}});
    faas::test::RawConnection conn(dog.port());
    REQUIRE(conn.send("\x01\x02 this is not http\r\n\r\n"));
    REQUIRE(conn.read_until_close());
    CHECK(conn.buffer().starts_with("HTTP/1.1 400 "));
    // The watchdog is unharmed.
    auto r = dog.post("/", "after garbage");
    REQUIRE(r.ok());
    CHECK(r->body == "after garbage");
}

TEST_CASE("watchdog prespawn: calls work and the function sees Http_Prespawn but no Http_Method") {
    Watchdog dog({{"fprocess", "env"}, {"prespawn", "2"}, {"MY_FUNCTION_VAR", "7"}});
    for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        auto r = dog.post("/p?q=1", "x");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(has_line(r->body, "Http_Prespawn=true"));
        CHECK(has_line(r->body, "MY_FUNCTION_VAR=7"));
        CHECK_FALSE(faas::test::env_value(r->body, "Http_Method").has_value());
        CHECK_FALSE(faas::test::env_value(r->body, "Http_Path").has_value());
    }
}

TEST_CASE("watchdog prespawn: a pre-spawned cat echoes each body once") {
    Watchdog dog({{"fprocess", "cat"}, {"prespawn", "2"}});
    const auto waiting = [&] { return faas::test::descendants(dog.process().pid()).size(); };
    // Two processes wait on stdin before any call.
    CHECK(faas::test::wait_until([&] { return waiting() == 2; }));
    for (int i = 0; i < 4; ++i) {
        const std::string body = "call " + std::to_string(i);
        auto r = dog.post("/", body);
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(r->body == body);
    }
    // A replacement is started after each call.
    CHECK(faas::test::wait_until([&] { return waiting() == 2; }));
}

TEST_SUITE_END();
