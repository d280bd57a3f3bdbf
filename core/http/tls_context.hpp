#pragma once
// Internal to core/http: the TlsContext behind the public opaque type, and the per-connection
// steps the client runs with it. Includes OpenSSL through Asio: never include it outside
// core/http.
#include <cstdint>
#include <string>

#include <boost/asio/ssl.hpp>

#include "core/asio.hpp"
#include "core/http/tls.hpp"

namespace faas::http {

class TlsContext {
public:
    explicit TlsContext(const TlsSettings& settings);

    // Not const: asio's SSL stream constructor takes a non-const context. It only reads it
    // (SSL_new takes a reference; OpenSSL locks the SSL_CTX), so sharing across threads is safe.
    mutable asio::ssl::context ssl;
    std::string server_name;
    bool verify = true;
    // Tells contexts apart in pool keys: a connection made with one context's client
    // certificate and trust is never reused for another's.
    std::uint64_t id = 0;
};

// Sets SNI and the name or IP address the server certificate must carry on a new session
// (`host` when the context has no server name of its own).
void prepare_tls_session(SSL* ssl, const TlsContext& tls, const std::string& host);

// Why a handshake failed, in words: the certificate verification result when that is what
// failed ("certificate verify failed: unable to get local issuer certificate"), else the
// error's own text.
std::string tls_failure(SSL* ssl, const TlsContext& tls, const boost::system::error_code& ec);

}  // namespace faas::http
