// fwatchdog in static mode: files under static_path, and nothing outside it.
#include <string>

#include <doctest/doctest.h>

#include "tests/integration/watchdog_fixture.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"

using faas::test::TempDir;
using faas::test::Watchdog;

namespace {

constexpr std::string_view kSecret = "top secret outside the root\n";

// A site under <dir>/public and a secret file next to it, outside the root.
struct Site {
    Site() {
        dir.write("public/index.html", "<h1>index</h1>\n");
        dir.write("public/file.txt", "plain file\n");
        dir.write("public/sub/index.html", "<h1>sub</h1>\n");
        dir.write("secret.txt", kSecret);
    }
    std::string root() const { return dir.file("public").string(); }
    TempDir dir;
};

}  // namespace

TEST_SUITE_BEGIN("watchdog.static");

TEST_CASE("watchdog static: serves files and index.html and 404s a missing file") {
    Site site;
    Watchdog dog({{"mode", "static"}, {"static_path", site.root()}});
    auto file = dog.get("/file.txt");
    REQUIRE(file.ok());
    CHECK(file->status == 200);
    CHECK(file->body == "plain file\n");

    auto index = dog.get("/");
    REQUIRE(index.ok());
    CHECK(index->status == 200);
    CHECK(index->body == "<h1>index</h1>\n");

    auto sub = dog.get("/sub/");
    REQUIRE(sub.ok());
    CHECK(sub->status == 200);
    CHECK(sub->body == "<h1>sub</h1>\n");

    auto missing = dog.get("/missing.txt");
    REQUIRE(missing.ok());
    CHECK(missing->status == 404);

    auto head = dog.call("HEAD", "/file.txt");
    REQUIRE(head.ok());
    CHECK(head->status == 200);
    CHECK(head->body.empty());
    CHECK(head->headers.get("Content-Length") == std::optional<std::string_view>("11"));
}

TEST_CASE("watchdog static: refuses paths that climb out of static_path") {
    Site site;
    Watchdog dog({{"mode", "static"}, {"static_path", site.root()}});
    for (const char* target :
         {"/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
          "/sub/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt"}) {
        CAPTURE(target);
        faas::test::RawConnection conn(dog.port());
        REQUIRE(conn.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        auto r = faas::test::read_response(conn);
        REQUIRE(r.has_value());
        CHECK(r->status >= 400);
        CHECK(r->status < 500);
        CHECK(r->body.find("top secret") == std::string::npos);
    }
}

TEST_SUITE_END();
