// callbacks/url_policy: http only, restricted ranges denied unless callback_allow_hosts allows.
#include "callbacks/url_policy.hpp"

#include <map>
#include <string>

#include <doctest/doctest.h>

namespace callbacks = faas::callbacks;
using callbacks::UrlPolicy;

namespace {

asio::ip::address ip(const char* text) {
    return asio::ip::make_address(text);
}

UrlPolicy allow(std::string_view list) {
    auto p = UrlPolicy::parse_allow_list(list);
    if (!p.ok()) {
        FAIL(p.error().what());
    }
    return std::move(p).value();
}

std::string url_error(const UrlPolicy& p, std::string_view url) {
    const auto r = p.check_url(url);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == faas::errc::bad_request);
    return r.error().message;
}

}  // namespace

TEST_SUITE_BEGIN("callbacks.url_policy");

TEST_CASE("url policy: a public http URL passes and is parsed") {
    const UrlPolicy p;
    auto u = p.check_url("http://example.com:8888/done?x=1");
    REQUIRE(u.ok());
    CHECK(u->endpoint.host == "example.com");
    CHECK(u->endpoint.port == 8888);
    CHECK(u->path == "/done?x=1");
    CHECK(p.check_url("HTTP://93.184.216.34/").ok());
    CHECK(p.check_url("http://[2606:2800:220:1::1]:81/").ok());
}

TEST_CASE("url policy: https and other schemes are refused with the reason") {
    const UrlPolicy p;
    CHECK(url_error(p, "https://example.com/") ==
          "callback URL: https is not supported, the callback client speaks plain http only "
          "(no TLS); use http:// or a relay");
    CHECK(url_error(p, "ftp://example.com/") ==
          "callback URL: scheme \"ftp\" is not supported (http only)");
    CHECK(url_error(p, "example.com/cb") == "callback URL must be an absolute http:// URL");
    CHECK(url_error(p, "http:///path").find("no host") != std::string::npos);
    CHECK(url_error(p, "http://cb:99999/").find("bad port") != std::string::npos);
    CHECK(url_error(p, "http://c b/") == "callback URL: \"c b\" is not a host name or IP address");
}

TEST_CASE("url policy: loopback, private and link-local literals are denied by default") {
    const UrlPolicy p;
    for (const char* url :
         {"http://127.0.0.1:8080/", "http://127.1.2.3/", "http://10.1.2.3/", "http://172.16.0.1/",
          "http://172.31.255.255/", "http://192.168.1.10/", "http://169.254.169.254/latest",
          "http://0.0.0.0:8080/", "http://[::1]:8080/", "http://[::]/", "http://[fc00::1]/",
          "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/",
          "http://[::ffff:10.0.0.1]/", "http://localhost:8080/", "http://LOCALHOST./",
          "http://app.localhost/"}) {
        CAPTURE(url);
        CHECK_FALSE(p.check_url(url).ok());
    }
    CHECK(url_error(p, "http://169.254.169.254/latest") ==
          "callback host 169.254.169.254 is in the restricted range 169.254.0.0/16; allow it with "
          "callback_allow_hosts");
    CHECK(url_error(p, "http://[::ffff:127.0.0.1]/") ==
          "callback host ::ffff:127.0.0.1 (127.0.0.1) is in the restricted range 127.0.0.0/8; "
          "allow it with callback_allow_hosts");
    // Just outside the private ranges.
    for (const char* url : {"http://172.32.0.1/", "http://172.15.255.255/", "http://11.0.0.1/",
                            "http://192.169.0.1/", "http://[fe00::1]/", "http://[2001:db8::1]/"}) {
        CAPTURE(url);
        CHECK(p.check_url(url).ok());
    }
}

TEST_CASE("url policy: resolved addresses are checked against the same ranges") {
    const UrlPolicy p;
    CHECK(p.check_address("cb.example.com", ip("93.184.216.34")).ok());
    const auto st = p.check_address("cb.example.com", ip("10.0.0.7"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message ==
          "callback host cb.example.com (10.0.0.7) is in the restricted range 10.0.0.0/8; allow "
          "it with callback_allow_hosts");
    CHECK_FALSE(p.check_address("rebind.example", ip("::ffff:192.168.0.1")).ok());
    CHECK_FALSE(p.check_address("v6.example", ip("fe80::abcd")).ok());
}

TEST_CASE("url policy: the allow list admits named hosts, addresses and ranges only") {
    const UrlPolicy p =
        allow(" receiver.internal , 127.0.0.1,10.20.0.0/16,fd00::/8,,Localhost,my_service");
    CHECK(p.check_url("http://127.0.0.1:9000/").ok());
    CHECK_FALSE(p.check_url("http://127.0.0.2:9000/").ok());
    CHECK(p.check_url("http://10.20.3.4/").ok());
    CHECK_FALSE(p.check_url("http://10.21.0.1/").ok());
    CHECK(p.check_url("http://[fd00::5]/").ok());
    CHECK_FALSE(p.check_url("http://[fc00::5]/").ok());
    CHECK(p.check_url("http://localhost:8080/").ok());
    CHECK_FALSE(p.check_url("http://app.localhost/").ok());
    // A named host may resolve anywhere; other names still may not resolve to private ranges.
    CHECK(p.check_address("RECEIVER.internal.", ip("192.168.7.7")).ok());
    CHECK_FALSE(p.check_address("other.internal", ip("192.168.7.7")).ok());
    CHECK(p.check_address("other.internal", ip("10.20.9.9")).ok());
    CHECK(p.check_address("other.internal", ip("::ffff:10.20.9.9")).ok());
    CHECK(p.check_address("my_service", ip("172.18.0.3")).ok());
}

TEST_CASE("url policy: 0.0.0.0/0 and ::/0 allow every address") {
    const UrlPolicy p = allow("0.0.0.0/0,::/0");
    CHECK(p.check_url("http://127.0.0.1/").ok());
    CHECK(p.check_url("http://[::1]/").ok());
    CHECK(p.check_address("x", ip("169.254.169.254")).ok());
}

TEST_CASE("url policy: bad allow-list entries are errors naming them") {
    for (const char* list : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "300.1.1.1/8",
                             "a b", "http://cb", "::ffff:10.0.0.0/64"}) {
        CAPTURE(list);
        const auto r = UrlPolicy::parse_allow_list(list);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find(list) != std::string::npos);
    }
    // An IPv4-mapped range is the IPv4 range: /112 of IPv6 is /16 of IPv4.
    const auto mapped = UrlPolicy::parse_allow_list("::ffff:10.0.0.0/112");
    REQUIRE(mapped.ok());
    CHECK(mapped.value().check_address("h", ip("10.0.9.9")).ok());
    CHECK_FALSE(mapped.value().check_address("h", ip("10.1.0.1")).ok());
}

TEST_CASE("url policy: callback_allow_hosts from the environment, a bad value names it") {
    const std::map<std::string, std::string> vars{{"callback_allow_hosts", "127.0.0.0/8"}};
    const faas::config::Env env([&](std::string_view name) -> std::optional<std::string> {
        const auto it = vars.find(std::string(name));
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    CHECK(UrlPolicy::from_env(env).check_url("http://127.0.0.1:1234/").ok());

    const faas::config::Env empty([](std::string_view) { return std::optional<std::string>(); });
    CHECK_FALSE(UrlPolicy::from_env(empty).check_url("http://127.0.0.1:1234/").ok());

    const faas::config::Env bad(
        [](std::string_view) { return std::optional<std::string>("10.0.0.0/40"); });
    CHECK_THROWS_WITH_AS(UrlPolicy::from_env(bad),
                         "callback_allow_hosts: \"10.0.0.0/40\" has a bad prefix length (0..32) "
                         "(expected comma-separated host names, addresses and CIDR ranges)",
                         faas::config::ConfigError);
}

TEST_CASE("url policy: CIDR parsing and matching at prefix boundaries") {
    auto c = callbacks::parse_cidr("172.16.0.0/12");
    REQUIRE(c.ok());
    CHECK(c->str() == "172.16.0.0/12");
    CHECK(c->contains(ip("172.16.0.0")));
    CHECK(c->contains(ip("172.31.255.255")));
    CHECK_FALSE(c->contains(ip("172.32.0.0")));
    CHECK_FALSE(c->contains(ip("::1")));
    auto host = callbacks::parse_cidr("2001:db8::1");
    REQUIRE(host.ok());
    CHECK(host->prefix == 128);
    CHECK(host->contains(ip("2001:db8::1")));
    CHECK_FALSE(host->contains(ip("2001:db8::2")));
    auto all = callbacks::parse_cidr("0.0.0.0/0");
    REQUIRE(all.ok());
    CHECK(all->contains(ip("255.255.255.255")));
    CHECK(callbacks::denied_range(ip("8.8.8.8")) == nullptr);
    REQUIRE(callbacks::denied_range(ip("fe80::1")) != nullptr);
    CHECK(callbacks::denied_range(ip("fe80::1"))->str() == "fe80::/10");
}

TEST_SUITE_END();
