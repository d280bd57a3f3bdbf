// fwatchdog in http mode with a real nginx as the function's server: requests are proxied with
// method, path, query, headers and status kept, and the server is restarted when it dies.
#include <csignal>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/integration/nginx_upstream.hpp"
#include "tests/integration/watchdog_fixture.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"

using faas::test::kMaxWait;
using faas::test::TempDir;
using faas::test::Watchdog;
namespace http = faas::http;
using namespace std::chrono_literals;

namespace {

using Opt = std::optional<std::string_view>;

// nginx under fwatchdog, and a listener that accepts connections but never answers.
struct HttpMode {
    explicit HttpMode(std::initializer_list<faas::test::EnvMap::value_type> extra = {})
        : upstream(dir, blackhole.port()), dog(Watchdog::Start::LockFile, env(extra)) {}
    HttpMode(const HttpMode&) = delete;
    HttpMode& operator=(const HttpMode&) = delete;
    // An nginx the watchdog left behind when it exited (a bug) would outlive the test.
    ~HttpMode() {
        if (!dog.process().running()) {
            const pid_t pid = nginx_pid();
            if (pid > 0 && !faas::test::gone(pid)) {
                ::kill(pid, SIGKILL);
            }
        }
    }

    faas::test::EnvMap env(std::initializer_list<faas::test::EnvMap::value_type> extra) const {
        faas::test::EnvMap e{
            {"mode", "http"}, {"fprocess", upstream.command}, {"upstream_url", upstream.url}};
        for (auto& [k, v] : extra) {
            e[k] = v;
        }
        return e;
    }

    // The nginx process fwatchdog started (from its pid file), or -1.
    pid_t nginx_pid() const {
        std::ifstream in(dir.file("nginx.pid"));
        pid_t pid = -1;
        in >> pid;
        return pid;
    }

    TempDir dir;
    faas::test::RawListener blackhole;
    faas::test::NginxUpstream upstream;
    Watchdog dog;
};

}  // namespace

TEST_SUITE_BEGIN("watchdog.http");

TEST_CASE("watchdog http: GET with a sub-path and query reaches the upstream") {
    HttpMode m;
    auto r = m.dog.call("GET", "/echo/a/b?x=1&y=2", "", {http::Header{"X-Custom", "abc"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "method=GET uri=/echo/a/b?x=1&y=2 args=x=1&y=2 length= custom=abc\n");
    CHECK(r->headers.get("X-Upstream") == Opt("yes"));
    CHECK(r->headers.get("Content-Type") == Opt("text/plain"));
    CHECK(r->headers.get("Server").value_or("").starts_with("nginx"));
    REQUIRE(r->headers.has("X-Duration-Seconds"));
    CHECK(std::stod(std::string(*r->headers.get("X-Duration-Seconds"))) >= 0.0);
}

TEST_CASE("watchdog http: POST method and body length reach the upstream") {
    HttpMode m;
    auto r = m.dog.post("/echo/p?q=1", "12345");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "method=POST uri=/echo/p?q=1 args=q=1 length=5 custom=\n");
    for (const char* method : {"PUT", "DELETE", "PATCH"}) {
        CAPTURE(method);
        auto other = m.dog.call(method, "/echo/m", "x");
        REQUIRE(other.ok());
        CHECK(other->body.starts_with(std::string("method=") + method + " "));
    }
}

TEST_CASE("watchdog http: relays a 404 and a 302 with its Location without following it") {
    HttpMode m;
    auto missing = m.dog.get("/missing");
    REQUIRE(missing.ok());
    CHECK(missing->status == 404);
    CHECK(missing->body == "nothing here\n");

    auto redirect = m.dog.get("/redirect");
    REQUIRE(redirect.ok());
    CHECK(redirect->status == 302);
    CHECK(redirect->headers.get("Location") == Opt("/hello"));
    CHECK(redirect->body.find("hello from nginx") == std::string::npos);

    auto head = m.dog.call("HEAD", "/hello");
    REQUIRE(head.ok());
    CHECK(head->status == 200);
    CHECK(head->body.empty());
}

TEST_CASE("watchdog http: logs an access line per request") {
    HttpMode m;
    auto r = m.dog.get("/hello?from=test");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    CHECK(m.dog.wait_for_log_line({"GET /hello?from=test - 200 - ContentLength: "}));
}

TEST_CASE("watchdog http: restarts the upstream after it is killed") {
    HttpMode m;
    auto first = m.dog.get("/hello");
    REQUIRE(first.ok());
    REQUIRE(first->status == 200);
    const pid_t old_pid = m.nginx_pid();
    REQUIRE(old_pid > 0);
    REQUIRE(::kill(old_pid, SIGKILL) == 0);

    int last_status = 0;
    const bool back = faas::test::wait_until(
        [&] {
            auto r = faas::test::http_get(m.dog.port(), "/hello", 2s);
            last_status = r ? r->status : 0;
            return r && r->status == 200 && r->body == "hello from nginx\n";
        },
        kMaxWait, 50ms);
    CAPTURE(last_status);
    CAPTURE(m.dog.log());
    CHECK(back);
    CHECK(m.dog.process().running());
    const pid_t new_pid = m.nginx_pid();
    CHECK(new_pid > 0);
    CHECK(new_pid != old_pid);
    CHECK(faas::test::wait_until(
        [&] { return faas::test::status_of_get(m.dog.port(), "/_/health") == 200; }));
}

TEST_CASE("watchdog http: exec_timeout answers 504 with X-OpenFaaS-Internal of-watchdog") {
    HttpMode m({{"exec_timeout", "1s"}});
    const auto start = std::chrono::steady_clock::now();
    auto r = m.dog.get("/slow");
    const double took = faas::test::seconds_since(start);
    REQUIRE(r.ok());
    CHECK(r->status == 504);
    CHECK(r->headers.get("X-OpenFaaS-Internal") == Opt("of-watchdog"));
    CHECK(took >= 0.9);
    CHECK(took < 3.0);
    // Fast paths are unaffected.
    auto ok = m.dog.get("/hello");
    REQUIRE(ok.ok());
    CHECK(ok->status == 200);
}

TEST_CASE("watchdog http: an X-Timeout header shortens exec_timeout") {
    HttpMode m({{"exec_timeout", "20s"}});
    const auto start = std::chrono::steady_clock::now();
    auto r = m.dog.call("GET", "/slow", "", {http::Header{"X-Timeout", "1s"}});
    const double took = faas::test::seconds_since(start);
    REQUIRE(r.ok());
    CHECK(r->status == 504);
    CHECK(r->headers.get("X-OpenFaaS-Internal") == Opt("of-watchdog"));
    CHECK(took < 4.0);
}

TEST_CASE("watchdog http: ready_path makes /_/ready ask the upstream") {
    {
        HttpMode m({{"ready_path", "/hello"}});
        CHECK(faas::test::status_of_get(m.dog.port(), "/_/ready") == 200);
    }
    {
        HttpMode m({{"ready_path", "/missing"}});
        CHECK(faas::test::status_of_get(m.dog.port(), "/_/ready") == 404);
    }
}

TEST_CASE("watchdog http: stops the upstream on SIGTERM") {
    HttpMode m({{"healthcheck_interval", "0"}});
    const pid_t nginx = m.nginx_pid();
    REQUIRE(nginx > 0);
    m.dog.process().signal(SIGTERM);
    auto exit = m.dog.process().wait_exit();
    REQUIRE(exit.has_value());
    CHECK(exit->exited_with(0));
    CHECK(faas::test::wait_until([&] { return faas::test::gone(nginx); }));
}

TEST_SUITE_END();

TEST_CASE("watchdog http: upstream port 0 gives each replica its own free port through PORT") {
    TempDir dir;
    const auto script = dir.write("server.py",
                                  "import http.server, os\n"
                                  "class H(http.server.BaseHTTPRequestHandler):\n"
                                  "    def do_GET(self):\n"
                                  "        body = ('port=' + os.environ['PORT']).encode()\n"
                                  "        self.send_response(200)\n"
                                  "        self.send_header('Content-Length', str(len(body)))\n"
                                  "        self.end_headers()\n"
                                  "        self.wfile.write(body)\n"
                                  "    def log_message(self, *a):\n"
                                  "        pass\n"
                                  "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])),"
                                  " H).serve_forever()\n");
    const faas::test::EnvMap env{{"mode", "http"},
                                 {"fprocess", "python3 " + script.string()},
                                 {"upstream_url", "http://127.0.0.1:0"},
                                 {"PORT", "1"}};
    Watchdog a(Watchdog::Start::LockFile, env);
    Watchdog b(Watchdog::Start::LockFile, env);
    auto ra = a.call("GET", "/", "");
    auto rb = b.call("GET", "/", "");
    REQUIRE(ra.ok());
    REQUIRE(rb.ok());
    CHECK(ra->status == 200);
    CHECK(rb->status == 200);
    REQUIRE(ra->body.starts_with("port="));
    REQUIRE(rb->body.starts_with("port="));
    CHECK(ra->body != "port=1");
    CHECK(ra->body != rb->body);
    CHECK(a.log().find("upstream port chosen port=" + ra->body.substr(5)) != std::string::npos);
}
