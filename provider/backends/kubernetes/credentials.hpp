#pragma once
// Finding and authenticating to the Kubernetes API server: in cluster from the service account
// the kubelet mounts into the pod, out of cluster from a kubeconfig file. The result is what the
// back end's API client needs: an endpoint (with TLS for https) and the Authorization value.
// Made once at start-up on the control thread; ApiServer::authorization may be called from any
// thread.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <sys/stat.h>

#include "core/config/env.hpp"
#include "core/http/client.hpp"
#include "core/result.hpp"

namespace faas::provider::kubernetes {

struct ApiServer {
    http::Endpoint endpoint;  // host, port, tls (set for https)
    std::string url;          // as configured, for logs and errors
    std::string source;       // "in-cluster" or "<kubeconfig path> (context <name>)"
    // The Authorization header value now ("Bearer <token>") or "" (client cert only);
    // re-reads a rotated token file. Cheap enough to call per request.
    std::function<std::string()> authorization;
};

// Where the kubelet mounts the pod's service account: token, ca.crt, namespace.
inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// Looks, in this order:
//  1. In cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set and the service
//     account dir (`kubernetes_serviceaccount_dir`, default kServiceAccountDir) holds a token:
//     https://HOST:PORT trusting that dir's ca.crt, with the token as a bearer token.
//  2. Out of cluster: the first file of $KUBECONFIG (a colon-separated list; the others are not
//     merged in), else $HOME/.kube/config: its current-context's cluster and user.
// Errors (errc::bad_request) name the file and the key that is missing or wrong; errc::not_found
// when neither source exists.
Result<ApiServer> discover_api_server(const config::Env& env);

// A bearer token in a file that is replaced while we run (the kubelet rotates a service account
// token by swapping a symlink). Read when made; then, at most once per second, the file's
// identity (inode, size, mtime) is looked at and the token read again when it changed. A failed
// re-read keeps the last good token. Never blocks beyond a stat and a small read. Thread-safe.
class TokenFile {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kRecheck = std::chrono::seconds(1);

    // Errors: the file is missing, unreadable or empty (errc::bad_request naming it).
    static Result<std::shared_ptr<TokenFile>> open(std::filesystem::path path,
                                                   std::function<Clock::time_point()> now = {});

    // The current token (whitespace trimmed).
    std::string token();

    TokenFile(std::filesystem::path path, std::function<Clock::time_point()> now);

private:
    struct Identity {
        ino_t inode = 0;
        off_t size = 0;
        timespec mtime{};
        bool operator==(const Identity& o) const noexcept {
            return inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
                   mtime.tv_nsec == o.mtime.tv_nsec;
        }
    };
    Status reload();

    const std::filesystem::path path_;
    const std::function<Clock::time_point()> now_;
    std::mutex mutex_;
    std::string token_;
    Identity identity_;
    Clock::time_point checked_;
};

}  // namespace faas::provider::kubernetes
