// core/crypto: HMAC-SHA256 against RFC 4231 and GitHub's published webhook vector, and the
// constant-time compare.
#include <string>

#include <doctest/doctest.h>

#include "core/crypto/hmac.hpp"
#include "core/text/text.hpp"

namespace crypto = faas::crypto;

namespace {
std::string bytes(std::string_view hex) {
    const auto b = faas::text::hex_decode(hex);
    REQUIRE(b.has_value());
    return *b;
}
}  // namespace

TEST_SUITE_BEGIN("core.crypto");

TEST_CASE("hmac: RFC 4231 test cases 1-4 give the published HMAC-SHA256") {
    CHECK(crypto::hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(crypto::hmac_sha256_hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    CHECK(crypto::hmac_sha256_hex(bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                                  std::string(50, '\xcd')) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST_CASE("hmac: RFC 4231 test case 5 matches in its first 128 bits") {
    const std::string full =
        crypto::hmac_sha256_hex(std::string(20, '\x0c'), "Test With Truncation");
    CHECK(full.substr(0, 32) == "a3b6167473100ee06e0c796c2955552b");
}

TEST_CASE("hmac: RFC 4231 test cases 6-7 hash a key longer than the block size") {
    const std::string key(131, '\xaa');
    CHECK(crypto::hmac_sha256_hex(key, "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    CHECK(crypto::hmac_sha256_hex(
              key,
              "This is a test using a larger than block-size key and a larger than block-size "
              "data. The key needs to be hashed before being used by the HMAC algorithm.") ==
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("hmac: GitHub's published webhook vector") {
    CHECK("sha256=" + crypto::hmac_sha256_hex("It's a Secret to Everybody", "Hello, World!") ==
          "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST_CASE("hmac: an empty key and message still give HMAC-SHA256(\"\", \"\")") {
    CHECK(crypto::hmac_sha256_hex("", "") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("hmac: data fed in pieces equals the one-shot digest") {
    crypto::HmacSha256 mac("Jefe");
    mac.update("what do ya ").update("").update("want for nothing?");
    CHECK(mac.finish() == crypto::hmac_sha256("Jefe", "what do ya want for nothing?"));
    // Binary data with NUL bytes is hashed whole, not up to the first NUL.
    const std::string with_nul("a\0b", 3);
    CHECK(crypto::hmac_sha256("k", with_nul) != crypto::hmac_sha256("k", "a"));
}

TEST_CASE("constant_time_equal: equal only for the same bytes and length") {
    CHECK(crypto::constant_time_equal("", ""));
    CHECK(crypto::constant_time_equal("secret", "secret"));
    CHECK(crypto::constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
    CHECK_FALSE(crypto::constant_time_equal("secret", "secreT"));
    CHECK_FALSE(crypto::constant_time_equal("secret", "Secret"));
    CHECK_FALSE(crypto::constant_time_equal("secret", "secret2"));
    CHECK_FALSE(crypto::constant_time_equal("secret2", "secret"));
    CHECK_FALSE(crypto::constant_time_equal("a", ""));
    // A shorter input padded with NULs is still a different input.
    CHECK_FALSE(crypto::constant_time_equal(std::string("a\0", 2), "a"));
}

TEST_SUITE_END();
