#pragma once
// HMAC-SHA256 (OpenSSL libcrypto behind a small RAII type) and a constant-time compare, for
// webhook verification and callback signing. Pure functions; any thread.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

// OpenSSL's EVP_MAC_CTX, declared here so callers do not include OpenSSL headers.
struct evp_mac_ctx_st;

namespace faas::crypto {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<unsigned char, kSha256Size>;

// An HMAC-SHA256 computed over data fed in pieces (Slack signs "v0:<ts>:<body>" without us
// copying the body into one string). Not copyable; one use: update()* then finish().
class HmacSha256 {
public:
    explicit HmacSha256(std::string_view key);
    ~HmacSha256();
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;

    HmacSha256& update(std::string_view data);
    Sha256Digest finish();

private:
    evp_mac_ctx_st* ctx_;
    bool finished_ = false;
};

Sha256Digest hmac_sha256(std::string_view key, std::string_view message);
// Lower-case hex of hmac_sha256 (64 characters), the form GitHub, Slack and our callbacks send.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// True when a and b hold the same bytes. The time taken depends only on the longer length, not
// on where the first difference is, so a caller cannot learn a secret byte by byte.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace faas::crypto
