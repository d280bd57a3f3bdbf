// core/http/types (and parse_url from client.hpp): targets, escapes, headers, error bodies.
#include <string>

#include <doctest/doctest.h>

#include "core/http/client.hpp"
#include "core/http/types.hpp"
#include "core/http/wire.hpp"
#include "tests/support/printers.hpp"

namespace http = faas::http;

TEST_SUITE_BEGIN("core.http.types");
TEST_CASE("http types: split_target separates path and raw query") {
    auto t = http::split_target("/a/b?x=1&y=2");
    CHECK(t.path == "/a/b");
    CHECK(t.query == "x=1&y=2");
    t = http::split_target("/a");
    CHECK(t.path == "/a");
    CHECK(t.query.empty());
    t = http::split_target("/?");
    CHECK(t.path == "/");
    CHECK(t.query.empty());
    // Only the first '?' splits; the rest belongs to the query.
    t = http::split_target("/p?a=?b");
    CHECK(t.path == "/p");
    CHECK(t.query == "a=?b");
    t = http::split_target("");
    CHECK(t.path.empty());
    CHECK(t.query.empty());
}

TEST_CASE("http types: percent_decode decodes escapes and rejects malformed ones") {
    CHECK(http::percent_decode("/a%20b") == std::string("/a b"));
    CHECK(http::percent_decode("%41%42%43") == std::string("ABC"));
    CHECK(http::percent_decode("%2e%2E/") == std::string("../"));
    CHECK(http::percent_decode("a+b") == std::string("a+b"));
    CHECK(http::percent_decode("") == std::string());
    CHECK_FALSE(http::percent_decode("%zz").has_value());
    CHECK_FALSE(http::percent_decode("%2").has_value());
    CHECK_FALSE(http::percent_decode("abc%").has_value());
    CHECK_FALSE(http::percent_decode("%g0").has_value());
}

TEST_CASE("http types: text_error is shaped like Go's http.Error") {
    const auto r = http::text_error(404, "not found");
    CHECK(r.status == 404);
    CHECK(r.headers.get("Content-Type") ==
          std::optional<std::string_view>("text/plain; charset=utf-8"));
    CHECK(r.headers.get("X-Content-Type-Options") == std::optional<std::string_view>("nosniff"));
    CHECK(r.body == "not found\n");
    CHECK(http::text_error(500, "already ends\n").body == "already ends\n");
    CHECK(http::text_error(500, "").body == "\n");
}

TEST_CASE("http types: headers are looked up case-insensitively and keep repeats") {
    http::Headers h{{"Content-Type", "a"}, {"X-Multi", "1"}};
    h.add("x-multi", "2");
    CHECK(h.get("content-type") == std::optional<std::string_view>("a"));
    CHECK(h.get("X-MULTI") == std::optional<std::string_view>("1"));
    CHECK(h.size() == 3);
    h.set("X-Multi", "3");
    CHECK(h.size() == 2);
    CHECK(h.get("x-multi") == std::optional<std::string_view>("3"));
    h.remove("CONTENT-TYPE");
    CHECK_FALSE(h.has("Content-Type"));
    CHECK(h.size() == 1);
    CHECK_FALSE(h.get("absent").has_value());
}

TEST_CASE("http types: reason phrases and hop-by-hop headers") {
    CHECK(http::reason(200) == "OK");
    CHECK(http::reason(404) == "Not Found");
    CHECK(http::reason(429) == "Too Many Requests");
    CHECK(http::reason(504) == "Gateway Timeout");
    CHECK(http::reason(799) == "Unknown");
    CHECK(http::is_hop_by_hop("connection"));
    CHECK(http::is_hop_by_hop("Transfer-Encoding"));
    CHECK(http::is_hop_by_hop("keep-alive"));
    CHECK_FALSE(http::is_hop_by_hop("Content-Type"));
    CHECK_FALSE(http::is_hop_by_hop("Content-Length"));
}

TEST_CASE("http types: parse_url takes host port and path") {
    auto u = http::parse_url("http://127.0.0.1:5000/a/b?x=1");
    REQUIRE(u.ok());
    CHECK(u->endpoint.host == "127.0.0.1");
    CHECK(u->endpoint.port == 5000);
    CHECK(u->path == "/a/b?x=1");
    u = http::parse_url("http://localhost");
    REQUIRE(u.ok());
    CHECK(u->endpoint.port == 80);
    CHECK(u->path == "/");
    u = http::parse_url("http://[::1]:9000/x");
    REQUIRE(u.ok());
    CHECK(u->endpoint.host == "::1");
    CHECK(u->endpoint.port == 9000);
    CHECK(u->endpoint.key() == "::1:9000");
    CHECK_FALSE(u->https);
}

TEST_CASE("http types: parse_url takes https (port 443) and says so; TLS is the caller's") {
    auto u = http::parse_url("https://10.96.0.1/api/v1/namespaces");
    REQUIRE(u.ok());
    CHECK(u->https);
    CHECK(u->endpoint.host == "10.96.0.1");
    CHECK(u->endpoint.port == 443);
    CHECK(u->endpoint.tls == nullptr);
    CHECK(u->path == "/api/v1/namespaces");
    u = http::parse_url("https://kube.example:6443");
    REQUIRE(u.ok());
    CHECK(u->endpoint.port == 6443);
    CHECK(u->path == "/");
}

TEST_CASE("http types: a TLS endpoint's key differs from the plain one and per TLS context") {
    const http::Endpoint plain{"127.0.0.1", 6443};
    http::Endpoint a = plain;
    http::TlsSettings insecure;
    insecure.verify = false;
    a.tls = http::make_tls_context(insecure).value();
    http::Endpoint b = plain;
    b.tls = http::make_tls_context(insecure).value();
    CHECK(plain.key() == "127.0.0.1:6443");
    CHECK(a.key().starts_with("https://127.0.0.1:6443#"));
    CHECK(a.key() != b.key());
    CHECK(a.host_header() == "127.0.0.1:6443");
}

TEST_CASE("http types: parse_url rejects other schemes and bad ports") {
    for (const char* bad : {"ftp://a", "https://", "127.0.0.1:80", "http://:80/", "http://a:65536/",
                            "http://a:-1/", "http://a:8x/"}) {
        CAPTURE(bad);
        auto u = http::parse_url(bad);
        REQUIRE_FALSE(u.ok());
        CHECK(u.error().code == faas::errc::bad_request);
        CHECK_FALSE(u.error().message.empty());
    }
}

TEST_CASE("http types: parse_url keeps port 0 for daemons that pick a free port") {
    auto u = http::parse_url("http://127.0.0.1:0");
    REQUIRE(u.ok());
    CHECK(u->endpoint.port == 0);
}

TEST_CASE("http types: parse_query decodes escapes, '+' is a space, the first value wins") {
    auto q = http::parse_query("name=fn&namespace=openfaas-fn&x=a%20b+c&x=second&flag&=empty");
    CHECK(http::query_value(q, "name") == "fn");
    CHECK(http::query_value(q, "namespace") == "openfaas-fn");
    CHECK(http::query_value(q, "x") == "a b c");
    CHECK(http::query_value(q, "flag").empty());
    CHECK(q.contains("flag"));
    CHECK(http::query_value(q, "absent").empty());
    CHECK(http::parse_query("").empty());
    CHECK(http::query_value(http::parse_query("bad=%zz"), "bad") == "%zz");
}

TEST_CASE("http types: a header value's CR and LF become spaces, the rest is kept whole") {
    std::string out;
    http::wire::append_header(out, "X-A", "plain value");
    http::wire::append_header(out, "X-B", "\r\nInjected: 1\nend\r");
    http::wire::append_header(out, "X-C", "");
    CHECK(out == "X-A: plain value\r\nX-B:   Injected: 1 end \r\nX-C: \r\n");
}

TEST_SUITE_END();
