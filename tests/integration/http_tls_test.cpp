// core/http over TLS: ClientPool's request(), stream() and forward() through a socat TLS
// terminator (certificates made by the openssl CLI at test time) in front of a plain TestServer.
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "core/errc.hpp"
#include "core/http/client.hpp"
#include "core/http/sync_client.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/test_server.hpp"
#include "tests/support/tls_proxy.hpp"

namespace http = faas::http;
using faas::awaitable;
using faas::errc;
using faas::test::same_handler;
using faas::test::TestPki;
using faas::test::TestServer;
using faas::test::TlsProxy;
using namespace std::chrono_literals;

namespace {

// "/stream": three chunks; "/slow": answers after 3 s; else the peer address (the socat child's
// upstream connection, one per TLS connection), the request body and the Host header.
awaitable<void> backend(http::Exchange& ex) {
    if (ex.path() == "/stream") {
        const http::Headers none;
        (void)co_await ex.begin_response(200, none, std::nullopt);
        for (const char* piece : {"one\n", "two\n", "three\n"}) {
            const std::string_view data = piece;
            (void)co_await ex.write_body(data);
        }
        (void)co_await ex.end_response();
        co_return;
    }
    if (ex.path() == "/slow") {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(3s);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(faas::use_awaitable, ec));
    }
    auto body = co_await ex.read_body(1U << 20U);
    http::Response r;
    r.status = 200;
    r.headers.add("X-Peer", ex.remote_address());
    r.headers.add("X-Seen-Host", ex.header("Host").value_or("-"));
    r.body = body ? *body : std::string("unreadable body");
    (void)co_await ex.respond(std::move(r));
}

struct TlsFixture {
    TestPki pki;
    TestServer server{same_handler(backend)};

    http::Endpoint endpoint(const TlsProxy& proxy, const http::TlsSettings& settings) const {
        http::Endpoint ep{"127.0.0.1", proxy.port()};
        auto ctx = http::make_tls_context(settings);
        REQUIRE_MESSAGE(ctx.ok(), (ctx.ok() ? "" : ctx.error().what()));
        ep.tls = std::move(ctx.value());
        return ep;
    }
    http::TlsSettings trusting() const {
        http::TlsSettings s;
        s.ca_pem = TestPki::pem(pki.ca_cert());
        return s;
    }
};

http::Request post(std::string body) {
    http::Request req;
    req.method = "POST";
    req.target = "/echo";
    req.body = std::move(body);
    return req;
}

}  // namespace

TEST_SUITE_BEGIN("http tls");

TEST_CASE_FIXTURE(TlsFixture, "http tls: a request and a streamed chunked answer over TLS") {
    TlsProxy proxy(pki, server.port());
    const auto ep = endpoint(proxy, trusting());
    http::SyncClient client;
    auto r = client.call(ep, post("hello over tls"));
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
    CHECK(r->status == 200);
    CHECK(r->body == "hello over tls");
    CHECK(r->headers.get("X-Seen-Host") == "127.0.0.1:" + std::to_string(proxy.port()));

    std::string got;
    int pieces = 0;
    http::Request req;
    req.target = "/stream";
    auto s = client.stream(ep, std::move(req), {}, [&](std::string_view data) {
        got += data;
        ++pieces;
        return true;
    });
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().what()));
    CHECK(s->status == 200);
    CHECK(s->headers.get("Transfer-Encoding") == "chunked");
    CHECK(got == "one\ntwo\nthree\n");
    CHECK(pieces >= 1);
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: keep-alive reuses one TLS connection") {
    TlsProxy proxy(pki, server.port());
    const auto ep = endpoint(proxy, trusting());
    http::SyncClient client;
    auto first = client.call(ep, post("1"));
    REQUIRE(first.ok());
    CHECK(client.idle_connections() == 1);
    auto second = client.call(ep, post("2"));
    REQUIRE(second.ok());
    CHECK(second->body == "2");
    CHECK(client.idle_connections() == 1);
    // One TLS connection means one socat child and so one upstream connection.
    CHECK(first->headers.get("X-Peer") == second->headers.get("X-Peer"));

    // The plain endpoint to the same port is another pool slot: it never picks up the TLS one.
    const http::Endpoint plain{"127.0.0.1", proxy.port()};
    CHECK(plain.key() != ep.key());
    auto mixed = client.call(plain, post("plain to a TLS port"));
    CHECK_FALSE(mixed.ok());
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: a server certificate from another CA fails with why") {
    TlsProxy proxy(pki, server.port());
    http::TlsSettings wrong;
    wrong.ca_pem = TestPki::pem(pki.other_ca_cert());
    http::SyncClient client;
    auto r = client.call(endpoint(proxy, wrong), post("x"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::connect_failed);
    INFO(r.error().message);
    CHECK(r.error().message.find("TLS handshake with https://127.0.0.1:") != std::string::npos);
    // socat sends its CA along with the certificate, so OpenSSL names the untrusted self-signed
    // root; a server sending only its own certificate gets "unable to get local issuer ...".
    const bool said_why =
        r.error().message.ends_with(
            "certificate verify failed: self-signed certificate in certificate chain") ||
        r.error().message.ends_with(
            "certificate verify failed: unable to get local issuer certificate");
    CHECK(said_why);
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: the server name is checked against DNS and IP SANs") {
    TlsProxy proxy(pki, server.port());
    http::SyncClient client;
    http::TlsSettings s = trusting();
    s.server_name = "localhost";
    auto by_dns = client.call(endpoint(proxy, s), post("dns"));
    CHECK_MESSAGE(by_dns.ok(), (by_dns.ok() ? "" : by_dns.error().what()));

    s.server_name = "kubernetes.default.svc";
    auto wrong_dns = client.call(endpoint(proxy, s), post("x"));
    REQUIRE_FALSE(wrong_dns.ok());
    CHECK(wrong_dns.error().code == errc::connect_failed);
    CHECK(wrong_dns.error().message.find("certificate verify failed: hostname mismatch") !=
          std::string::npos);

    s.server_name = "127.0.0.2";
    auto wrong_ip = client.call(endpoint(proxy, s), post("x"));
    REQUIRE_FALSE(wrong_ip.ok());
    CHECK(wrong_ip.error().message.find("certificate verify failed: IP address mismatch") !=
          std::string::npos);
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: a required client certificate is sent when given") {
    faas::test::TlsProxyOptions options;
    options.require_client_cert = true;
    TlsProxy proxy(pki, server.port(), options);
    http::SyncClient client;
    http::TlsSettings s = trusting();
    s.client_cert_pem = TestPki::pem(pki.client_cert());
    s.client_key_pem = TestPki::pem(pki.client_key());
    auto with_cert = client.call(endpoint(proxy, s), post("with cert"));
    REQUIRE_MESSAGE(with_cert.ok(), (with_cert.ok() ? "" : with_cert.error().what()));
    CHECK(with_cert->status == 200);
    CHECK(with_cert->body == "with cert");

    auto without = client.call(endpoint(proxy, trusting()), post("without"));
    REQUIRE_FALSE(without.ok());
    INFO(without.error().message);
    // TLS 1.3 ends the client's handshake before the server checks the certificate: the
    // refusal comes on the first read (socat resets the connection).
    CHECK(without.error().code == errc::upstream_failed);
    CHECK(without.error().message.starts_with("calling https://127.0.0.1:"));
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: insecure-skip-tls-verify works with a wrong CA") {
    TlsProxy proxy(pki, server.port());
    http::TlsSettings s;
    s.ca_pem = TestPki::pem(pki.other_ca_cert());
    s.server_name = "not-the-name.example";
    s.verify = false;
    http::SyncClient client;
    auto r = client.call(endpoint(proxy, s), post("insecure"));
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
    CHECK(r->body == "insecure");
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: a slow answer over TLS times out") {
    TlsProxy proxy(pki, server.port());
    http::SyncClient client;
    http::Request req;
    req.target = "/slow";
    http::CallOptions options;
    options.timeout = 300ms;
    auto r = client.call(endpoint(proxy, trusting()), std::move(req), options);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::timeout);
}

TEST_CASE_FIXTURE(TlsFixture, "http tls: forward() relays an exchange to a TLS upstream") {
    TlsProxy proxy(pki, server.port());
    const auto upstream = endpoint(proxy, trusting());
    TestServer relay([upstream](asio::io_context& ctx) -> http::Handler {
        auto pool = std::make_shared<http::ClientPool>(ctx.get_executor());
        return [pool, upstream](http::Exchange& ex) -> awaitable<void> {
            const http::ForwardOptions options;
            auto r = co_await pool->forward(ex, upstream, options);
            if (!r && !ex.response_started()) {
                http::Response failed = http::text_error(502, r.error().what());
                (void)co_await ex.respond(std::move(failed));
            }
        };
    });
    http::SyncClient client;
    const http::Endpoint relay_ep{"127.0.0.1", relay.port()};
    auto r = client.call(relay_ep, post("relayed"));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "relayed");
    http::Request req;
    req.target = "/stream";
    auto streamed = client.call(relay_ep, std::move(req));
    REQUIRE(streamed.ok());
    CHECK(streamed->body == "one\ntwo\nthree\n");
}

TEST_CASE("http tls: make_tls_context names what is wrong with the PEM it was given") {
    TestPki pki;
    http::TlsSettings s;
    s.ca_pem = "not a certificate";
    auto bad_ca = http::make_tls_context(s);
    REQUIRE_FALSE(bad_ca.ok());
    CHECK(bad_ca.error().code == errc::bad_request);
    CHECK(bad_ca.error().message == "TLS CA bundle holds no PEM certificate");

    s.ca_pem = TestPki::pem(pki.ca_cert());
    s.client_cert_pem = TestPki::pem(pki.client_cert());
    auto no_key = http::make_tls_context(s);
    REQUIRE_FALSE(no_key.ok());
    CHECK(no_key.error().message == "TLS client certificate given without its key");

    s.client_key_pem = TestPki::pem(pki.server_key());
    auto mismatch = http::make_tls_context(s);
    REQUIRE_FALSE(mismatch.ok());
    CHECK(mismatch.error().message == "TLS client key does not match the client certificate");

    s.client_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    auto bad_key = http::make_tls_context(s);
    REQUIRE_FALSE(bad_key.ok());
    CHECK(bad_key.error().message.starts_with("TLS client key is not a PEM private key"));

    s.client_cert_pem = "garbage";
    auto bad_cert = http::make_tls_context(s);
    REQUIRE_FALSE(bad_cert.ok());
    CHECK(bad_cert.error().message.starts_with("TLS client certificate is not a PEM"));

    s.client_cert_pem = TestPki::pem(pki.client_cert());
    s.client_key_pem = TestPki::pem(pki.client_key());
    CHECK(http::make_tls_context(s).ok());
}

TEST_SUITE_END();
