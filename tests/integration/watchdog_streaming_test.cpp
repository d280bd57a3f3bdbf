// fwatchdog in streaming mode: bodies are piped through as they arrive, nothing buffered whole.
#include <string>

#include <doctest/doctest.h>

#include "tests/integration/watchdog_fixture.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"

using faas::test::has_line;
using faas::test::TempDir;
using faas::test::Watchdog;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("watchdog.streaming");

TEST_CASE("watchdog streaming: a 20 MB body comes back identical while memory stays flat") {
    // ASan keeps freed blocks in a quarantine (256 MB by default), which would show as growth
    // here even for a watchdog that reuses one buffer; keep it small for this measurement.
    auto env_asan = faas::test::base_env();
    std::string asan = env_asan.contains("ASAN_OPTIONS") ? env_asan["ASAN_OPTIONS"] + ":" : "";
    asan += "quarantine_size_mb=1:thread_local_quarantine_size_kb=64";
    Watchdog dog({{"fprocess", "cat"}, {"mode", "streaming"}, {"ASAN_OPTIONS", asan}});
    const pid_t pid = dog.process().pid();

    // Warm up (threads, pools, first allocations), then measure the peak from here.
    auto warm = faas::test::duplex_exchange(
        dog.port(), "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 65536\r\n\r\n",
        faas::test::pattern(65536));
    REQUIRE(warm.status == 200);
    const auto before = faas::test::peak_rss_kib(pid);
    REQUIRE(before.has_value());

    const std::size_t size = 20U << 20U;
    const std::string body = faas::test::pattern(size);
    auto r = faas::test::duplex_exchange(
        dog.port(),
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n", body,
        30s);
    CHECK(r.status == 200);
    CHECK(r.chunked);
    CHECK(r.body.size() == body.size());
    CHECK(faas::test::fnv1a(r.body) == faas::test::fnv1a(body));

    const auto after = faas::test::peak_rss_kib(pid);
    REQUIRE(after.has_value());
    MESSAGE("fwatchdog VmHWM before " << *before << " KiB, after 20 MiB through cat " << *after
                                      << " KiB");
    // Buffering the body whole would add at least 20 MiB.
    CHECK(*after - *before < std::uint64_t{8} * 1024U);
}

TEST_CASE("watchdog streaming: output arrives before the process exits") {
    TempDir fn;
    Watchdog dog({{"fprocess",
                   faas::test::shell_function(fn, "two.sh", "echo first\nsleep 1\necho second\n")},
                  {"mode", "streaming"}});
    faas::test::RawConnection conn(dog.port());
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(conn.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(conn.read_until("first"));
    const double first = faas::test::seconds_since(start);
    REQUIRE(conn.read_until("second"));
    const double second = faas::test::seconds_since(start);
    MESSAGE("first after " << first << " s, second after " << second << " s");
    CHECK(conn.buffer().starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(conn.buffer().find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(first < 0.7);
    CHECK(second >= 0.9);
    CHECK(second - first >= 0.5);
}

TEST_CASE("watchdog streaming: gives the function Http_ variables without Http_ContentLength") {
    Watchdog dog({{"fprocess", "env"}, {"mode", "streaming"}});
    auto r = dog.post("/s/t?q=1", "abc", {faas::http::Header{"X-Custom", "abc"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->headers.get("Content-Type") ==
          std::optional<std::string_view>("application/octet-stream"));
    CHECK(has_line(r->body, "Http_Method=POST"));
    CHECK(has_line(r->body, "Http_Path=/s/t"));
    CHECK(has_line(r->body, "Http_Query=q=1"));
    CHECK(has_line(r->body, "Http_X_Custom=abc"));
    CHECK_FALSE(faas::test::env_value(r->body, "Http_ContentLength").has_value());
}

TEST_CASE("watchdog streaming: stderr goes to the log, not the body") {
    TempDir fn;
    Watchdog dog(
        {{"fprocess", faas::test::shell_function(fn, "fn.sh", "echo out\necho err-line >&2\n")},
         {"mode", "streaming"}});
    auto r = dog.post("/", "");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "out\n");
    CHECK(dog.wait_for_log_line({"stderr:", "err-line"}));
}

TEST_CASE("watchdog streaming: max_output_size stops the function and never completes a body") {
    Watchdog dog({{"fprocess", "head -c 1000000 /dev/zero"},
                  {"mode", "streaming"},
                  {"max_output_size", "1000"}});
    faas::test::RawConnection conn(dog.port());
    REQUIRE(conn.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    auto r = faas::test::read_response(conn);
    if (r) {
        // The limit was hit before anything was sent: a whole error response is possible.
        CHECK(r->status == 500);
        CHECK(r->body.find("function output exceeded max_output_size (1000 bytes)") !=
              std::string::npos);
    } else {
        // Once the 200 head went out, the connection is closed mid-body instead.
        CHECK(conn.closed());
        CAPTURE(conn.buffer().size());
        CHECK(conn.buffer().starts_with("HTTP/1.1 200 OK\r\n"));
        CHECK(conn.buffer().size() < 100'000);
    }
    // The watchdog keeps serving.
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 200);
}

TEST_SUITE_END();
