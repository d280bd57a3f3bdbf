// core/crypto: HMAC-SHA256 through OpenSSL 3's EVP_MAC interface (the HMAC_CTX calls are
// deprecated in 3.0 and -Werror would reject them).
#include "core/crypto/hmac.hpp"

#include <algorithm>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/assert.hpp"
#include "core/text/text.hpp"

namespace faas::crypto {

namespace {

// The fetched HMAC algorithm, shared by every context. EVP_MAC_fetch is thread-safe and the
// returned object is immutable; fetching once avoids a provider lookup per signature.
EVP_MAC* hmac_algorithm() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    FAAS_ASSERT(mac != nullptr);
    return mac;
}

}  // namespace

HmacSha256::HmacSha256(std::string_view key) : ctx_(EVP_MAC_CTX_new(hmac_algorithm())) {
    FAAS_ASSERT(ctx_ != nullptr);
    std::array<char, 7> digest{"SHA256"};
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
        OSSL_PARAM_construct_end()};
    // A null key pointer means "keep the previous key" to OpenSSL, so an empty key still passes
    // a valid pointer.
    static constexpr unsigned char kNoKey = 0;
    const auto* key_bytes =
        key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
    FAAS_ASSERT(EVP_MAC_init(ctx_, key_bytes, key.size(), params.data()) == 1);
}

HmacSha256::~HmacSha256() {
    EVP_MAC_CTX_free(ctx_);
}

HmacSha256& HmacSha256::update(std::string_view data) {
    FAAS_ASSERT(!finished_);
    if (!data.empty()) {
        FAAS_ASSERT(EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()),
                                   data.size()) == 1);
    }
    return *this;
}

Sha256Digest HmacSha256::finish() {
    FAAS_ASSERT(!finished_);
    finished_ = true;
    Sha256Digest out{};
    std::size_t len = 0;
    FAAS_ASSERT(EVP_MAC_final(ctx_, out.data(), &len, out.size()) == 1);
    FAAS_ASSERT(len == out.size());
    return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
    HmacSha256 mac(key);
    mac.update(message);
    return mac.finish();
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    const Sha256Digest d = hmac_sha256(key, message);
    return text::hex_encode(d);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // Walks the longer input whole; a length mismatch is folded into the result, not returned
    // early.
    unsigned diff = a.size() == b.size() ? 0U : 1U;
    const std::size_t n = std::max(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto ca = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
        const auto cb = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
        diff |= static_cast<unsigned>(ca ^ cb);
    }
    return diff == 0;
}

}  // namespace faas::crypto
