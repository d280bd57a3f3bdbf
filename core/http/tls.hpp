#pragma once
// TLS for core's HTTP client: the settings a caller has (PEM text, a server name, a verify flag)
// and the context made from them once, shared read-only by every pool and thread that talks to
// that server. The context itself is opaque here: OpenSSL stays inside core/http's .cpp files.
#include <memory>
#include <string>

#include "core/result.hpp"

namespace faas::http {

struct TlsSettings {
    // PEM certificates the server's chain must end in. Empty: the system's default CA store.
    std::string ca_pem;
    // A client certificate (chain) and its private key, both PEM, for servers that ask for one.
    // Both or neither.
    std::string client_cert_pem;
    std::string client_key_pem;
    // The name sent as SNI and checked against the server certificate's DNS or IP SANs. Empty:
    // the endpoint's host. An IP address is checked against IP SANs and sent without SNI (SNI
    // carries host names only).
    std::string server_name;
    // False skips every check of the server's certificate (kubeconfig's
    // insecure-skip-tls-verify): the connection is encrypted but not authenticated.
    bool verify = true;
};

// Made by make_tls_context; attached to http::Endpoint::tls. Immutable and safe to share
// across threads.
class TlsContext;

// Errors: errc::bad_request naming the part that is wrong (no certificate in the CA PEM, an
// unreadable client certificate or key, a key that does not match the certificate).
Result<std::shared_ptr<const TlsContext>> make_tls_context(const TlsSettings& settings);

}  // namespace faas::http
