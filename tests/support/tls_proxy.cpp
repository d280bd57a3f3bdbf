#include "tests/support/tls_proxy.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "tests/support/ports.hpp"

namespace faas::test {
namespace {

// Runs an openssl CLI step in `dir`; throws with its output when it fails.
void openssl(const TempDir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const std::string step = args[1] + " " + args[2];
    RunResult r = run(args, base_env());
    if (!r.exit.exited_with(0)) {
        throw std::runtime_error("openssl " + step + " in " + dir.str() + " failed: " + r.err +
                                 r.out);
    }
}

}  // namespace

TestPki::TestPki() {
    make_ca("ca", "faas-test-ca");
    make_ca("other-ca", "faas-test-other-ca");
    make_leaf("server", "faas-test-server",
              "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    make_leaf("client", "faas-test-client", "extendedKeyUsage=clientAuth\n");
}

std::string TestPki::pem(const std::filesystem::path& file) {
    std::string text = read_file(file);
    if (text.empty()) {
        throw std::runtime_error("no PEM file at " + file.string());
    }
    return text;
}

void TestPki::make_ca(const std::string& name, const std::string& cn) const {
    openssl(dir_, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-days", "2", "-subj", "/CN=" + cn, "-keyout",
                   dir_.file(name + ".key").string(), "-out", dir_.file(name + ".crt").string()});
}

// A key, a request, and a certificate signed by "ca" with the extensions in `ext`.
void TestPki::make_leaf(const std::string& name,
                        const std::string& cn,
                        const std::string& ext) const {
    const auto csr = dir_.file(name + ".csr").string();
    openssl(dir_,
            {"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-subj", "/CN=" + cn, "-keyout", dir_.file(name + ".key").string(), "-out", csr});
    const auto ext_file = dir_.write(name + ".ext", ext).string();
    openssl(dir_, {"x509", "-req", "-in", csr, "-CA", ca_cert().string(), "-CAkey",
                   dir_.file("ca.key").string(), "-CAcreateserial", "-days", "2", "-extfile",
                   ext_file, "-out", dir_.file(name + ".crt").string()});
}

std::string find_socat() {
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
    std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const std::filesystem::path candidate =
            std::filesystem::path(dirs.substr(0, colon)) / "socat";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
        dirs.remove_prefix(colon == std::string_view::npos ? dirs.size() : colon + 1);
    }
    throw std::runtime_error(
        "socat not found on PATH: the TLS tests need it (Debian package socat; "
        "scripts/install-deps.sh installs it)");
}

TlsProxy::TlsProxy(const TestPki& pki, std::uint16_t target, TlsProxyOptions options)
    : port_(free_port()) {
    const std::string listen =
        "OPENSSL-LISTEN:" + std::to_string(port_) + ",bind=127.0.0.1,reuseaddr,fork" +
        ",cert=" + pki.server_cert().string() + ",key=" + pki.server_key().string() +
        ",cafile=" + pki.ca_cert().string() +
        ",verify=" + (options.require_client_cert ? "1" : "0");
    ProcessOptions p;
    p.argv = {find_socat(), "-d", "-d", listen, "TCP:127.0.0.1:" + std::to_string(target)};
    p.env = base_env();
    p.stderr_path = logs_.file("socat.log");
    process_ = std::make_unique<Process>(std::move(p));
    if (!process_->wait_for_stderr("listening on") || !wait_for_port(port_)) {
        const std::string text = log();
        process_.reset();
        throw std::runtime_error("socat did not listen on port " + std::to_string(port_) + ": " +
                                 text);
    }
}

TlsProxy::~TlsProxy() {
    if (process_) {
        process_->kill_tree();
    }
}

std::string TlsProxy::log() const {
    return read_file(logs_.file("socat.log"));
}

}  // namespace faas::test
