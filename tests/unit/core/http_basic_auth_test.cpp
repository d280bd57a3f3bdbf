// core/http/basic_auth: the secret files, the header check and the 401.
#include "core/http/basic_auth.hpp"

#include <doctest/doctest.h>

#include "core/config/env.hpp"
#include "core/text/text.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

using faas::http::authorized;
using faas::http::basic_header;
using faas::http::Credentials;
using faas::http::load_credentials;

namespace {
std::string basic(const std::string& userpass) {
    return "Basic " + faas::text::base64_encode(userpass);
}
}  // namespace

TEST_SUITE_BEGIN("core.http.basic_auth");

TEST_CASE("basic auth: only the exact user and password pass") {
    const Credentials c{"admin", "p:ss word"};
    CHECK(authorized(c, basic("admin:p:ss word")));
    CHECK(authorized(c, "basic " + faas::text::base64_encode("admin:p:ss word")));
    CHECK(authorized(c, "  " + basic_header(c) + " "));
    CHECK_FALSE(authorized(c, std::nullopt));
    CHECK_FALSE(authorized(c, basic("admin:wrong")));
    CHECK_FALSE(authorized(c, basic("admin:p:ss wor")));
    CHECK_FALSE(authorized(c, basic("Admin:p:ss word")));
    CHECK_FALSE(authorized(c, basic("admi:p:ss word")));
    CHECK_FALSE(authorized(c, basic("admin")));
    CHECK_FALSE(authorized(c, "Bearer abc"));
    CHECK_FALSE(authorized(c, "Basic !!!notbase64"));
    CHECK_FALSE(authorized(c, ""));
}

TEST_CASE("basic auth: the header it sends is the one it accepts") {
    const Credentials c{"u", "p"};
    CHECK(basic_header(c) == "Basic dTpw");
}

TEST_CASE("basic auth: credentials come from the secret files, trimmed") {
    faas::test::TempDir dir;
    dir.write("basic-auth-user", "admin\n");
    dir.write("basic-auth-password", "  s3cret \n");
    const auto c = load_credentials(dir.str());
    CHECK(c.user == "admin");
    CHECK(c.password == "s3cret");
}

TEST_CASE("basic auth: a missing or empty secret file is a config error naming it") {
    faas::test::TempDir dir;
    CHECK_THROWS_WITH_AS(load_credentials(dir.str()), doctest::Contains("basic-auth-user"),
                         faas::config::ConfigError);
    dir.write("basic-auth-user", "admin");
    CHECK_THROWS_WITH_AS(load_credentials(dir.str()), doctest::Contains("basic-auth-password"),
                         faas::config::ConfigError);
    dir.write("basic-auth-password", "\n");
    CHECK_THROWS_WITH_AS(load_credentials(dir.str()), doctest::Contains("is empty"),
                         faas::config::ConfigError);
}

TEST_CASE("basic auth: the refusal is 401 with the Restricted realm") {
    const auto r = faas::http::unauthorized_response();
    CHECK(r.status == 401);
    CHECK(r.headers.get("WWW-Authenticate") ==
          std::optional<std::string_view>("Basic realm=\"Restricted\""));
    CHECK(r.body == "invalid credentials\n");
}

TEST_SUITE_END();
