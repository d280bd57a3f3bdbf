// Basic auth of /system/* (provider/api.hpp).
#include <doctest/doctest.h>

#include "core/config/env.hpp"
#include "core/text/text.hpp"
#include "provider/api.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

using faas::provider::authorized;
using faas::provider::Credentials;

TEST_SUITE("provider auth") {

TEST_CASE("auth: only the exact user and password pass") {
    const Credentials c{"admin", "pa55"};
    auto basic = [](std::string_view up) {
        return "Basic " + faas::text::base64_encode(up);
    };
    CHECK(authorized(basic("admin:pa55"), c));
    CHECK(authorized("basic " + faas::text::base64_encode("admin:pa55"), c));
    CHECK_FALSE(authorized(basic("admin:pa5"), c));
    CHECK_FALSE(authorized(basic("admin:pa555"), c));
    CHECK_FALSE(authorized(basic("Admin:pa55"), c));
    CHECK_FALSE(authorized(basic("adminpa55"), c));
    CHECK_FALSE(authorized(std::nullopt, c));
    CHECK_FALSE(authorized("Bearer x", c));
    CHECK_FALSE(authorized("Basic !!!", c));
}

TEST_CASE("auth: credentials are read from the secret files and trimmed") {
    faas::test::TempDir dir;
    dir.write("basic-auth-user", "admin\n");
    dir.write("basic-auth-password", "  s3cret \n");
    auto c = faas::provider::load_credentials(dir.str());
    CHECK(c.user == "admin");
    CHECK(c.password == "s3cret");
    faas::test::TempDir empty;
    CHECK_THROWS_AS(faas::provider::load_credentials(empty.str()), faas::config::ConfigError);
}

}  // TEST_SUITE
