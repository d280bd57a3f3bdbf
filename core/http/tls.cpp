// make_tls_context and the per-session steps: OpenSSL through Asio's ssl::context, with our own
// PEM loading so that each bad input gets an error that names it.
#include <atomic>
#include <memory>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/http/tls_context.hpp"

namespace faas::http {

namespace {

struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct X509Free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memory_bio(const std::string& pem) {
    return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The reason of OpenSSL's last error, or `fallback` when it left none; clears the queue.
std::string openssl_reason(const char* fallback) {
    const unsigned long e = ERR_peek_last_error();
    const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
    std::string out = reason != nullptr ? reason : fallback;
    ERR_clear_error();
    return out;
}

Status add_trusted(SSL_CTX* ctx, const std::string& pem) {
    const BioPtr bio = memory_bio(pem);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int added = 0;
    for (;;) {
        std::unique_ptr<X509, X509Free> cert(
            PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) {
            break;
        }
        if (X509_STORE_add_cert(store, cert.get()) != 1) {
            return make_error(errc::bad_request,
                              "TLS CA bundle: " + openssl_reason("cannot add a certificate"));
        }
        ++added;
    }
    ERR_clear_error();  // the loop ends on "no start line" at the end of the text
    if (added == 0) {
        return make_error(errc::bad_request, "TLS CA bundle holds no PEM certificate");
    }
    return Status{};
}

Status use_client_identity(asio::ssl::context& ctx, const TlsSettings& settings) {
    if (settings.client_cert_pem.empty() != settings.client_key_pem.empty()) {
        return make_error(errc::bad_request,
                          settings.client_cert_pem.empty()
                              ? "TLS client key given without a client certificate"
                              : "TLS client certificate given without its key");
    }
    if (settings.client_cert_pem.empty()) {
        return Status{};
    }
    boost::system::error_code ec;
    ctx.use_certificate_chain(asio::buffer(settings.client_cert_pem), ec);
    if (ec) {
        ERR_clear_error();
        return make_error(errc::bad_request,
                          "TLS client certificate is not a PEM certificate: " + ec.message());
    }
    const BioPtr bio = memory_bio(settings.client_key_pem);
    std::unique_ptr<EVP_PKEY, KeyFree> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        return make_error(errc::bad_request, "TLS client key is not a PEM private key: " +
                                                 openssl_reason("unreadable"));
    }
    X509* leaf = SSL_CTX_get0_certificate(ctx.native_handle());
    if (X509_check_private_key(leaf, key.get()) != 1) {
        ERR_clear_error();
        return make_error(errc::bad_request,
                          "TLS client key does not match the client certificate");
    }
    if (SSL_CTX_use_PrivateKey(ctx.native_handle(), key.get()) != 1) {
        return make_error(errc::bad_request, "TLS client key: " + openssl_reason("cannot be used"));
    }
    return Status{};
}

}  // namespace

TlsContext::TlsContext(const TlsSettings& settings)
    : ssl(asio::ssl::context::tls_client),
      server_name(settings.server_name),
      verify(settings.verify) {
    static std::atomic<std::uint64_t> next_id{1};
    id = next_id.fetch_add(1, std::memory_order_relaxed);
    SSL_CTX_set_min_proto_version(ssl.native_handle(), TLS1_2_VERSION);
    ssl.set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
}

Result<std::shared_ptr<const TlsContext>> make_tls_context(const TlsSettings& settings) {
    auto tls = std::make_shared<TlsContext>(settings);
    if (settings.verify) {
        if (settings.ca_pem.empty()) {
            boost::system::error_code ec;
            tls->ssl.set_default_verify_paths(ec);
            if (ec) {
                return make_error(errc::bad_request,
                                  "TLS: cannot load the system CA store: " + ec.message());
            }
        } else if (Status added = add_trusted(tls->ssl.native_handle(), settings.ca_pem); !added) {
            return added.error();
        }
    }
    if (Status used = use_client_identity(tls->ssl, settings); !used) {
        return used.error();
    }
    return std::shared_ptr<const TlsContext>(std::move(tls));
}

void prepare_tls_session(SSL* ssl, const TlsContext& tls, const std::string& host) {
    const std::string& name = tls.server_name.empty() ? host : tls.server_name;
    boost::system::error_code not_ip;
    asio::ip::make_address(name, not_ip);
    if (not_ip) {
        // SSL_set_tlsext_host_name, spelled as the call it expands to (the macro casts C-style).
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(name.c_str()));
    }
    if (!tls.verify) {
        return;
    }
    if (not_ip) {
        SSL_set1_host(ssl, name.c_str());
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    }
}

std::string tls_failure(SSL* ssl, const TlsContext& tls, const boost::system::error_code& ec) {
    const long verified = SSL_get_verify_result(ssl);
    if (tls.verify && verified != X509_V_OK) {
        return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verified);
    }
    return ec.message();
}

}  // namespace faas::http
