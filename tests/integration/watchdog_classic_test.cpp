// fwatchdog in classic mode (fork per request): what a caller sees, per docs/watchdog.md.
#include <future>
#include <string>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "tests/integration/watchdog_fixture.hpp"
#include "tests/support/printers.hpp"

using faas::test::has_line;
using faas::test::kMaxWait;
using faas::test::TempDir;
using faas::test::Watchdog;
namespace http = faas::http;
using namespace std::chrono_literals;

namespace {

using Opt = std::optional<std::string_view>;

// A function that echoes its input, or fails (exit 1, after printing) when the input is "fail".
constexpr std::string_view kEchoOrFail = R"(body=$(cat)
if [ "$body" = "fail" ]; then
    echo "failing"
    exit 1
fi
printf '%s' "$body"
)";

// A function that waits (bounded) until $RELEASE_FILE exists, then answers "released".
constexpr std::string_view kWaitForRelease = R"(cat > /dev/null
i=0
while [ ! -e "$RELEASE_FILE" ] && [ $i -lt 400 ]; do
    sleep 0.025
    i=$((i + 1))
done
echo released
)";

}  // namespace

TEST_SUITE_BEGIN("watchdog.classic");

TEST_CASE("watchdog classic: echoes the request body through cat") {
    Watchdog dog({{"fprocess", "cat"}});
    auto r = dog.post("/", "hello", {http::Header{"Content-Type", "text/x-test"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "hello");
    // Without content_type the request's Content-Type is echoed.
    CHECK(r->headers.get("Content-Type") == Opt("text/x-test"));
    REQUIRE(r->headers.has("X-Duration-Seconds"));
    CHECK(std::stod(std::string(*r->headers.get("X-Duration-Seconds"))) >= 0.0);
    // A second call on a fresh connection forks again.
    auto again = dog.post("/", std::string(100'000, 'z'));
    REQUIRE(again.ok());
    CHECK(again->status == 200);
    CHECK(again->body == std::string(100'000, 'z'));
}

TEST_CASE("watchdog classic: gives the function Http_Method for every allowed method") {
    Watchdog dog({{"fprocess", "env"}});
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
        CAPTURE(method);
        auto r = dog.call(method, "/");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(has_line(r->body, std::string("Http_Method=") + method));
    }
}

TEST_CASE("watchdog classic: gives the function path query headers and content length") {
    Watchdog dog({{"fprocess", "env"}, {"MY_FUNCTION_VAR", "42"}});
    auto r = dog.post("/sub/path?x=1&y=2", "12345", {http::Header{"X-Custom", "abc"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    const std::string& env = r->body;
    CAPTURE(env);
    CHECK(has_line(env, "Http_Method=POST"));
    CHECK(has_line(env, "Http_Path=/sub/path"));
    CHECK(has_line(env, "Http_Query=x=1&y=2"));
    CHECK(has_line(env, "Http_X_Custom=abc"));
    CHECK(has_line(env, "Http_ContentLength=5"));
    CHECK(has_line(env, "Http_Host=127.0.0.1:" + std::to_string(dog.port())));
    // The watchdog's own environment is passed through.
    CHECK(has_line(env, "MY_FUNCTION_VAR=42"));
    CHECK(has_line(env, "fprocess=env"));

    auto plain = dog.get("/");
    REQUIRE(plain.ok());
    CHECK(has_line(plain->body, "Http_Path=/"));
    // Http_Query only when the query is not empty.
    CHECK_FALSE(faas::test::env_value(plain->body, "Http_Query").has_value());
}

TEST_CASE("watchdog classic: cgi_headers=false gives the function no Http_ variables") {
    Watchdog dog({{"fprocess", "env"}, {"cgi_headers", "false"}});
    auto r = dog.post("/p?q=1", "x", {http::Header{"X-Custom", "abc"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body.find("Http_") == std::string::npos);
}

TEST_CASE("watchdog classic: answers 405 to HEAD and OPTIONS") {
    Watchdog dog({{"fprocess", "cat"}});
    for (const char* method : {"HEAD", "OPTIONS"}) {
        CAPTURE(method);
        auto r = dog.call(method, "/");
        REQUIRE(r.ok());
        CHECK(r->status == 405);
    }
    auto ok = dog.post("/", "still serving");
    REQUIRE(ok.ok());
    CHECK(ok->body == "still serving");
}

TEST_CASE(
    "watchdog classic: a failing function gets 500 with the exit status and serving goes on") {
    TempDir fn;
    Watchdog dog({{"fprocess", faas::test::shell_function(fn, "fn.sh", kEchoOrFail)}});
    auto bad = dog.post("/", "fail");
    REQUIRE(bad.ok());
    CHECK(bad->status == 500);
    CHECK(bad->body.starts_with("exit status 1"));
    CHECK(bad->body.find("failing") != std::string::npos);

    auto good = dog.post("/", "fine");
    REQUIRE(good.ok());
    CHECK(good->status == 200);
    CHECK(good->body == "fine");
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 200);
}

TEST_CASE("watchdog classic: a missing function binary gets 500 and serving goes on") {
    Watchdog dog({{"fprocess", "/nonexistent/faas-no-such-function"}});
    auto r = dog.post("/", "x");
    REQUIRE(r.ok());
    CHECK(r->status == 500);
    CHECK(r->body.find("faas-no-such-function") != std::string::npos);
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 200);
}

TEST_CASE("watchdog classic: exec_timeout kills a slow function with 408") {
    Watchdog dog({{"fprocess", "sleep 5"}, {"exec_timeout", "1s"}});
    const auto start = std::chrono::steady_clock::now();
    auto r = dog.post("/", "");
    const double took = faas::test::seconds_since(start);
    REQUIRE(r.ok());
    CHECK(r->status == 408);
    CHECK(r->body == "Killed process.\n");
    CHECK(took >= 0.9);
    CHECK(took < 3.0);
    // The process was killed, not left running.
    CHECK(faas::test::wait_until(
        [&] { return faas::test::descendants(dog.process().pid()).empty(); }));
}

TEST_CASE("watchdog classic: combine_output=false keeps stderr out of the body and logs it") {
    TempDir fn;
    const auto fprocess =
        faas::test::shell_function(fn, "fn.sh", "echo to-stdout\necho to-stderr >&2\n");
    {
        Watchdog dog({{"fprocess", fprocess}, {"combine_output", "false"}});
        auto r = dog.post("/", "");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(r->body == "to-stdout\n");
        CHECK(dog.wait_for_log_line({"stderr:", "to-stderr"}));
    }
    {
        Watchdog dog({{"fprocess", fprocess}});
        auto r = dog.post("/", "");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
        CHECK(r->body.find("to-stdout\n") != std::string::npos);
        CHECK(r->body.find("to-stderr\n") != std::string::npos);
    }
}

TEST_CASE("watchdog classic: content_type forces the response Content-Type") {
    Watchdog dog({{"fprocess", "cat"}, {"content_type", "application/json"}});
    auto r = dog.post("/", "{}", {http::Header{"Content-Type", "text/plain"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->headers.get("Content-Type") == Opt("application/json"));
}

TEST_CASE("watchdog classic: marshal_request sends a JSON envelope with a base64 body") {
    Watchdog dog({{"fprocess", "cat"}, {"marshal_request", "true"}});
    auto r = dog.post("/p/q?a=1&b=2", "hello", {http::Header{"X-Custom", "abc"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CAPTURE(r->body);
    auto doc = faas::json::parse(r->body);
    REQUIRE(doc.ok());
    const auto root = doc->root();
    std::string_view raw;
    CHECK(root["body"]["raw"].get(raw) == simdjson::SUCCESS);
    CHECK(raw == "aGVsbG8=");
    std::string_view method;
    CHECK(root["method"].get(method) == simdjson::SUCCESS);
    CHECK(method == "POST");
    std::string_view path;
    CHECK(root["path"].get(path) == simdjson::SUCCESS);
    CHECK(path == "/p/q");
    std::string_view query;
    CHECK(root["query"].get(query) == simdjson::SUCCESS);
    CHECK(query == "a=1&b=2");
    std::string_view custom;
    CHECK(root["header"]["X-Custom"].at(0).get(custom) == simdjson::SUCCESS);
    CHECK(custom == "abc");
}

TEST_CASE("watchdog classic: max_inflight=1 answers 429 to a concurrent call") {
    TempDir fn;
    const auto release = fn.file("release");
    Watchdog dog({{"fprocess", faas::test::shell_function(fn, "slow.sh", kWaitForRelease)},
                  {"RELEASE_FILE", release.string()},
                  {"max_inflight", "1"}});
    const auto port = dog.port();
    auto first = std::async(std::launch::async,
                            [port] { return faas::test::http_post(port, "/", "first"); });
    REQUIRE(dog.wait_for_log_line({"Forking fprocess"}));

    // Readiness reflects the limit.
    CHECK(faas::test::status_of_get(port, "/_/ready") == 429);

    auto second = dog.post("/", "second");
    REQUIRE(second.ok());
    CHECK(second->status == 429);
    CHECK(second->body == "Concurrent request limit exceeded. Max concurrent requests: 1\n");
    CHECK(second->headers.get("X-OpenFaaS-Internal") == Opt("faas-middleware"));
    CHECK(second->headers.get("Content-Type").value_or("").starts_with("text/plain"));

    fn.write("release", "");
    REQUIRE(first.wait_for(kMaxWait) == std::future_status::ready);
    auto done = first.get();
    REQUIRE(done.ok());
    CHECK(done->status == 200);
    CHECK(done->body == "released\n");
    CHECK(faas::test::status_of_get(port, "/_/ready") == 200);
    // The slot is free again.
    auto third = dog.post("/", "third");
    REQUIRE(third.ok());
    CHECK(third->status == 200);
}

TEST_CASE("watchdog classic: max_request_size answers 413 to a larger body") {
    Watchdog dog({{"fprocess", "cat"}, {"max_request_size", "10"}});
    auto big = dog.post("/", std::string(100, 'x'));
    REQUIRE(big.ok());
    CHECK(big->status == 413);
    auto fits = dog.post("/", std::string(10, 'x'));
    REQUIRE(fits.ok());
    CHECK(fits->status == 200);
    CHECK(fits->body == std::string(10, 'x'));
}

TEST_CASE("watchdog classic: a client still sending a large body reads its 413, never a reset") {
    // The watchdog answers before reading the body and closes; closing with unread bytes would
    // reset the connection and could drop the answer on the client's side.
    Watchdog dog({{"fprocess", "cat"}, {"max_request_size", "1Ki"}});
    const std::string big(std::size_t{4} * 1024U * 1024U, 'x');
    for (int i = 0; i < 10; ++i) {
        auto r = faas::test::http_post(dog.port(), "/", big);
        REQUIRE_MESSAGE(r.ok(), "call " << i << ": " << (r.ok() ? "" : r.error().what()));
        CHECK(r->status == 413);
        CHECK(r->body.find("max_request_size") != std::string::npos);
    }
    auto fits = dog.post("/", "small");
    REQUIRE(fits.ok());
    CHECK(fits->status == 200);
}

TEST_CASE("watchdog classic: max_output_size stops a function with too much output") {
    Watchdog dog({{"fprocess", "head -c 1000000 /dev/zero"}, {"max_output_size", "1000"}});
    auto r = dog.post("/", "");
    REQUIRE(r.ok());
    CHECK(r->status == 500);
    CHECK(r->body.find("function output exceeded max_output_size (1000 bytes)") !=
          std::string::npos);
    CHECK(r->body.size() < 10'000);
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 200);
}

TEST_CASE("watchdog classic: logs Forking fprocess and Wrote N Bytes as the certifier reads them") {
    Watchdog dog({{"fprocess", "cat"}});
    auto r = dog.post("/", "hello");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    REQUIRE(dog.wait_for_log_line({"Wrote 5 Bytes"}));
    bool forking = false;
    bool wrote = false;
    for (const auto& line : dog.certifier_lines()) {
        forking = forking || line.starts_with("Forking fprocess");
        wrote = wrote || line.starts_with("Wrote 5 Bytes");
    }
    CAPTURE(dog.log());
    CHECK(forking);
    CHECK(wrote);
    // Go's log prefix: "YYYY/MM/DD HH:MM:SS ".
    const std::string log = dog.log();
    const auto at = log.find("Forking fprocess");
    REQUIRE(at != std::string::npos);
    const auto line_start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
    const std::string prefix = log.substr(line_start, at - line_start);
    CHECK(prefix.size() == 20);
    CHECK(prefix[4] == '/');
    CHECK(prefix[7] == '/');
    CHECK(prefix[13] == ':');
}

TEST_CASE("watchdog serializing: buffers the answer with of-watchdog defaults") {
    Watchdog dog({{"fprocess", "env"}, {"mode", "serializing"}});
    auto r = dog.post("/s?q=1", "abc", {http::Header{"Content-Type", "text/plain"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->headers.get("Content-Type") == Opt("application/octet-stream"));
    CHECK(r->headers.has("X-Duration-Seconds"));
    CHECK(has_line(r->body, "Http_Method=POST"));
    CHECK(has_line(r->body, "Http_Path=/s"));
    CHECK(has_line(r->body, "Http_Query=q=1"));
    // Only classic mode sets Http_ContentLength and Http_Host.
    CHECK_FALSE(faas::test::env_value(r->body, "Http_ContentLength").has_value());
}

TEST_CASE("watchdog serializing: exec_timeout answers 504 from the watchdog") {
    Watchdog dog({{"fprocess", "sleep 5"}, {"mode", "serializing"}, {"exec_timeout", "1s"}});
    const auto start = std::chrono::steady_clock::now();
    auto r = dog.post("/", "");
    const double took = faas::test::seconds_since(start);
    REQUIRE(r.ok());
    CHECK(r->status == 504);
    CHECK(r->headers.get("X-OpenFaaS-Internal") == Opt("of-watchdog"));
    CHECK(took >= 0.9);
    CHECK(took < 3.0);
}

TEST_SUITE_END();
