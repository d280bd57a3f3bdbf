// discover_api_server: the service account mount in cluster, a kubeconfig file outside.
#include "provider/backends/kubernetes/credentials.hpp"

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "core/text/text.hpp"

namespace faas::provider::kubernetes {
namespace {

namespace fs = std::filesystem;

Error bad(std::string message) {
    return make_error(errc::bad_request, std::move(message));
}

// errno in words (strerror is not thread-safe; the system category's message is).
std::string errno_text() {
    return std::error_code(errno, std::generic_category()).message();
}

// The whole of a small file; errors say `what` it is and why it could not be read.
Result<std::string> read_text(const fs::path& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return bad(std::string(what) + " " + path.string() + ": " + errno_text());
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// "https://host:port" with an IPv6 host in brackets.
std::string https_url(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::function<std::string()> bearer(std::shared_ptr<TokenFile> file) {
    return [file = std::move(file)] { return "Bearer " + file->token(); };
}

Result<ApiServer> with_tls(ApiServer server,
                           const http::TlsSettings& settings,
                           const std::string& where) {
    auto tls = http::make_tls_context(settings);
    if (!tls) {
        return bad(where + ": " + tls.error().what());
    }
    server.endpoint.tls = std::move(tls.value());
    return server;
}

// In cluster, or nullopt when this is not a pod with a service account token.
std::optional<Result<ApiServer>> in_cluster(const config::Env& env) {
    const std::string host = env.string("KUBERNETES_SERVICE_HOST");
    const std::string port = env.string("KUBERNETES_SERVICE_PORT");
    const fs::path dir = env.string("kubernetes_serviceaccount_dir", kServiceAccountDir);
    if (host.empty() || port.empty() || !fs::exists(dir / "token")) {
        return std::nullopt;
    }
    const auto port_number = text::parse_uint(port);
    if (!port_number || *port_number == 0 || *port_number > 65535) {
        return bad("KUBERNETES_SERVICE_PORT: want a port number, got \"" + port + "\"");
    }
    auto token = TokenFile::open(dir / "token");
    if (!token) {
        return token.error();
    }
    auto ca = read_text(dir / "ca.crt", "in-cluster CA");
    if (!ca) {
        return ca.error();
    }
    ApiServer server;
    server.endpoint = http::Endpoint(host, static_cast<std::uint16_t>(*port_number));
    server.url = https_url(host, server.endpoint.port);
    server.source = "in-cluster";
    server.authorization = bearer(std::move(token.value()));
    http::TlsSettings settings;
    settings.ca_pem = std::move(ca.value());
    return with_tls(std::move(server), settings, "in-cluster " + (dir / "ca.crt").string());
}

// The kubeconfig to read: the first of $KUBECONFIG's list, else $HOME/.kube/config.
fs::path kubeconfig_path(const config::Env& env) {
    const std::string list = env.string("KUBECONFIG");
    const std::string first = list.substr(0, list.find(':'));
    if (!first.empty()) {
        return first;
    }
    const std::string home = env.string("HOME");
    return home.empty() ? fs::path() : fs::path(home) / ".kube" / "config";
}

// One parsed kubeconfig, and the words every error about it starts with.
struct Kubeconfig {
    fs::path file;
    YAML::Node root;

    std::string at(const std::string& where) const {
        return "kubeconfig " + file.string() + ": " + where;
    }
    // Paths in a kubeconfig are relative to its own directory.
    fs::path resolve(const std::string& path) const {
        const fs::path p(path);
        return p.is_absolute() ? p : file.parent_path() / p;
    }
};

// A string field of a map; "" when it is absent or null.
std::string field(const YAML::Node& map, const char* key) {
    const YAML::Node v = map[key];
    return v && !v.IsNull() ? v.as<std::string>() : std::string();
}

// The `body` ("cluster", "user", "context") of the entry named `name` in the list `list`.
Result<YAML::Node> named(const Kubeconfig& kc,
                         const char* list,
                         const char* body,
                         const std::string& name) {
    const YAML::Node entries = kc.root[list];
    if (entries && entries.IsSequence()) {
        for (const YAML::Node& entry : entries) {
            if (field(entry, "name") == name) {
                const YAML::Node found = entry[body];
                if (!found || !found.IsMap()) {
                    return bad(
                        kc.at(std::string(body) + " \"" + name + "\" has no " + body + " map"));
                }
                return found;
            }
        }
    }
    return bad(kc.at(std::string(body) + " \"" + name + "\" not found in " + list));
}

// The PEM text of `<key>-data` (base64) or of the file `<key>`; "" when neither is set.
Result<std::string> pem_of(const Kubeconfig& kc,
                           const YAML::Node& map,
                           const std::string& where,
                           const std::string& key) {
    const std::string data = field(map, (key + "-data").c_str());
    if (!data.empty()) {
        auto decoded = text::base64_decode(text::trim(data));
        if (!decoded) {
            return bad(kc.at(where + ": " + key + "-data is not base64"));
        }
        return std::move(*decoded);
    }
    const std::string file = field(map, key.c_str());
    if (file.empty()) {
        return std::string();
    }
    auto text = read_text(kc.resolve(file), key);
    if (!text) {
        return bad(kc.at(where + ": " + text.error().what()));
    }
    return text;
}

// The cluster's server and TLS trust into `server` and `tls`.
Status use_cluster(const Kubeconfig& kc,
                   const std::string& name,
                   ApiServer& server,
                   http::TlsSettings& tls,
                   bool& https) {
    auto cluster = named(kc, "clusters", "cluster", name);
    if (!cluster) {
        return cluster.error();
    }
    const std::string where = "cluster \"" + name + "\"";
    server.url = field(*cluster, "server");
    if (server.url.empty()) {
        return bad(kc.at(where + " has no server"));
    }
    auto url = http::parse_url(server.url);
    if (!url) {
        return bad(kc.at(where + ": server " + url.error().what()));
    }
    if (url->path != "/") {
        return bad(kc.at(where + ": server " + server.url +
                         " has a path; only API servers at the root of their URL are supported"));
    }
    server.endpoint = url->endpoint;
    https = url->https;
    auto ca = pem_of(kc, *cluster, where, "certificate-authority");
    if (!ca) {
        return ca.error();
    }
    tls.ca_pem = std::move(ca.value());
    tls.server_name = field(*cluster, "tls-server-name");
    tls.verify = field(*cluster, "insecure-skip-tls-verify") != "true";
    return Status{};
}

// The user's credentials: a client certificate into `tls`, a token into `server`.
Status use_user(const Kubeconfig& kc,
                const std::string& name,
                ApiServer& server,
                http::TlsSettings& tls) {
    auto user = named(kc, "users", "user", name);
    if (!user) {
        return user.error();
    }
    const std::string where = "user \"" + name + "\"";
    for (const char* plugin : {"exec", "auth-provider"}) {
        if ((*user)[plugin]) {
            return bad(kc.at(where + " uses an " + std::string(plugin) +
                             " plugin, which is not supported (use a token, tokenFile or a "
                             "client certificate)"));
        }
    }
    if (!field(*user, "username").empty() || !field(*user, "password").empty()) {
        return bad(kc.at(where + " uses username/password, which Kubernetes no longer accepts"));
    }
    auto cert = pem_of(kc, *user, where, "client-certificate");
    if (!cert) {
        return cert.error();
    }
    auto key = pem_of(kc, *user, where, "client-key");
    if (!key) {
        return key.error();
    }
    if (cert->empty() != key->empty()) {
        return bad(kc.at(where + ": " +
                         (cert->empty() ? "client-key without client-certificate"
                                        : "client-certificate without client-key")));
    }
    tls.client_cert_pem = std::move(cert.value());
    tls.client_key_pem = std::move(key.value());
    const std::string token = field(*user, "token");
    const std::string token_file = field(*user, "tokenFile");
    if (!token.empty()) {
        server.authorization = [value = "Bearer " + std::string(text::trim(token))] {
            return value;
        };
    } else if (!token_file.empty()) {
        auto file = TokenFile::open(kc.resolve(token_file));
        if (!file) {
            return bad(kc.at(where + ": tokenFile: " + file.error().what()));
        }
        server.authorization = bearer(std::move(file.value()));
    }
    return Status{};
}

Result<ApiServer> from_kubeconfig(const Kubeconfig& kc) {
    const std::string context_name = field(kc.root, "current-context");
    if (context_name.empty()) {
        return bad(kc.at("no current-context"));
    }
    auto context = named(kc, "contexts", "context", context_name);
    if (!context) {
        return context.error();
    }
    const std::string cluster_name = field(*context, "cluster");
    if (cluster_name.empty()) {
        return bad(kc.at("context \"" + context_name + "\" names no cluster"));
    }
    ApiServer server;
    server.source = kc.file.string() + " (context " + context_name + ")";
    server.authorization = [] { return std::string(); };
    http::TlsSettings tls;
    bool https = false;
    if (Status used = use_cluster(kc, cluster_name, server, tls, https); !used) {
        return used.error();
    }
    const std::string user_name = field(*context, "user");
    if (!user_name.empty()) {
        if (Status used = use_user(kc, user_name, server, tls); !used) {
            return used.error();
        }
    }
    if (!https) {
        return server;
    }
    return with_tls(std::move(server), tls, kc.at("context \"" + context_name + "\""));
}

Result<ApiServer> out_of_cluster(const fs::path& file) {
    Kubeconfig kc;
    kc.file = file;
    try {
        kc.root = YAML::LoadFile(file.string());
        if (!kc.root.IsMap()) {
            return bad(kc.at("not a YAML map"));
        }
        return from_kubeconfig(kc);
    } catch (const YAML::Exception& e) {
        return bad(kc.at(e.what()));
    }
}

}  // namespace

TokenFile::TokenFile(fs::path path, std::function<Clock::time_point()> now)
    : path_(std::move(path)), now_(now ? std::move(now) : [] { return Clock::now(); }) {}

Result<std::shared_ptr<TokenFile>> TokenFile::open(fs::path path,
                                                   std::function<Clock::time_point()> now) {
    auto file = std::make_shared<TokenFile>(std::move(path), std::move(now));
    const std::lock_guard lock(file->mutex_);
    if (Status loaded = file->reload(); !loaded) {
        return loaded.error();
    }
    return file;
}

std::string TokenFile::token() {
    const std::lock_guard lock(mutex_);
    if (now_() - checked_ >= kRecheck) {
        (void)reload();  // on failure the last good token stays
    }
    return token_;
}

Status TokenFile::reload() {
    checked_ = now_();
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
        return bad("token file " + path_.string() + ": " + errno_text());
    }
    const Identity identity{st.st_ino, st.st_size, st.st_mtim};
    if (!token_.empty() && identity == identity_) {
        return Status{};
    }
    auto text = read_text(path_, "token file");
    if (!text) {
        return text.error();
    }
    const std::string_view token = text::trim(*text);
    if (token.empty()) {
        return bad("token file " + path_.string() + " is empty");
    }
    token_ = std::string(token);
    identity_ = identity;
    return Status{};
}

Result<ApiServer> discover_api_server(const config::Env& env) {
    if (auto pod = in_cluster(env)) {
        return std::move(*pod);
    }
    const fs::path file = kubeconfig_path(env);
    if (file.empty() || !fs::exists(file)) {
        return make_error(
            errc::not_found,
            "no Kubernetes API server found: not in a cluster (KUBERNETES_SERVICE_HOST/PORT and a "
            "service account token) and no kubeconfig at " +
                (file.empty() ? std::string("$KUBECONFIG or $HOME/.kube/config") : file.string()));
    }
    return out_of_cluster(file);
}

}  // namespace faas::provider::kubernetes
