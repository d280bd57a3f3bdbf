#pragma once
// HTTPS in tests without an HTTPS server of our own: TestPki makes a throw-away CA and
// certificates with the `openssl` CLI, and TlsProxy runs `socat` as a TLS terminator in front
// of a plain loopback server (the way the Kubernetes tests put TLS in front of the stand-in).
// Both live in a temp dir; the proxy is stopped by PID in its destructor. Owned by one thread.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {

// A CA, a server certificate for IP:127.0.0.1 and DNS:localhost, a client certificate, and a
// second CA that signed neither (for "wrong CA" cases). Throws std::runtime_error with
// openssl's output when a step fails.
class TestPki {
public:
    TestPki();

    const TempDir& dir() const noexcept { return dir_; }
    std::filesystem::path ca_cert() const { return dir_.file("ca.crt"); }
    std::filesystem::path server_cert() const { return dir_.file("server.crt"); }
    std::filesystem::path server_key() const { return dir_.file("server.key"); }
    std::filesystem::path client_cert() const { return dir_.file("client.crt"); }
    std::filesystem::path client_key() const { return dir_.file("client.key"); }
    std::filesystem::path other_ca_cert() const { return dir_.file("other-ca.crt"); }
    std::filesystem::path other_ca_key() const { return dir_.file("other-ca.key"); }

    // The text of one of the files above.
    static std::string pem(const std::filesystem::path& file);

private:
    void make_ca(const std::string& name, const std::string& cn) const;
    void make_leaf(const std::string& name, const std::string& cn, const std::string& ext) const;

    TempDir dir_;
};

// The `socat` binary on PATH; throws std::runtime_error naming the package when it is missing
// (a test that needs it must fail, never pass silently).
std::string find_socat();

struct TlsProxyOptions {
    // Ask for a client certificate signed by the CA and refuse the connection without one.
    bool require_client_cert = false;
};

// socat terminating TLS on a free loopback port with pki's server certificate, forwarding each
// connection to 127.0.0.1:<target> over plain TCP (one upstream connection per TLS
// connection, so keep-alive on one side is keep-alive on the other).
class TlsProxy {
public:
    TlsProxy(const TestPki& pki, std::uint16_t target, TlsProxyOptions options = {});
    ~TlsProxy();
    TlsProxy(const TlsProxy&) = delete;
    TlsProxy& operator=(const TlsProxy&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // socat's own log (-d -d): where a refused handshake is explained.
    std::string log() const;

private:
    TempDir logs_;
    std::uint16_t port_;
    std::unique_ptr<Process> process_;
};

}  // namespace faas::test
