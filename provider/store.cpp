#include "provider/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/errno_text.hpp"
#include "core/json/json.hpp"
#include "core/openfaas/async.hpp"
#include "core/text/text.hpp"

namespace faas::provider {

namespace fs = std::filesystem;

namespace {

Error sys_error(const std::string& what, int err) {
    return make_error(std::error_code(err, std::generic_category()),
                      what + ": " + errno_text(err));
}

Status ensure_dir(const fs::path& p) {
    std::error_code ec;
    fs::create_directories(p, ec);
    if (ec) {
        return make_error(ec, "cannot create " + p.string() + ": " + ec.message());
    }
    return {};
}

std::vector<fs::path> files_in(const fs::path& dir, std::string_view ext) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file() && (ext.empty() || it->path().extension() == ext)) {
            out.push_back(it->path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> dirs_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory()) {
            out.push_back(it->path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<StoredFunction> decode_function(std::string_view text) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    simdjson::dom::object o;
    if (doc->root().get_object().get(o) != simdjson::SUCCESS) {
        return make_error(errc::bad_request, "expected an object");
    }
    StoredFunction f;
    std::string_view created;
    if (o["createdAt"].get_string().get(created) == simdjson::SUCCESS) {
        f.created_at = std::string(created);
    }
    std::uint64_t replicas = 1;
    if (o["replicas"].get_uint64().get(replicas) == simdjson::SUCCESS) {
        f.replicas = replicas;
    }
    simdjson::dom::element d;
    if (o["deployment"].get(d) != simdjson::SUCCESS) {
        return make_error(errc::bad_request, "no deployment");
    }
    auto dep = openfaas::parse_deployment(simdjson::minify(d));
    if (!dep) {
        return dep.error();
    }
    f.deployment = std::move(dep).value();
    return f;
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view data, unsigned mode) {
    const fs::path tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC,
                          static_cast<mode_t>(mode));
    if (fd < 0) {
        return sys_error("cannot create " + tmp.string(), errno);
    }
    // The mode given to open() is filtered by the umask; secrets must be exactly 0600.
    ::fchmod(fd, static_cast<mode_t>(mode));
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return sys_error("cannot write " + tmp.string(), err);
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return sys_error("cannot flush " + tmp.string(), err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return sys_error("cannot rename to " + path.string(), err);
    }
    return {};
}

Result<std::string> read_small_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return sys_error("cannot open " + path.string(), errno ? errno : ENOENT);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Store::Store(fs::path dir) : dir_(std::move(dir)) {}

Status Store::init() {
    for (const char* sub : {"functions", "namespaces", "secrets", "replicas"}) {
        if (auto st = ensure_dir(dir_ / sub); !st) {
            return st;
        }
    }
    ::chmod((dir_ / "secrets").c_str(), 0700);
    return {};
}

Status Store::save_function(const StoredFunction& f) {
    const fs::path dir = dir_ / "functions" / f.deployment.namespace_;
    if (auto st = ensure_dir(dir); !st) {
        return st;
    }
    json::Writer w;
    w.begin_object();
    w.key("createdAt").value(f.created_at);
    w.key("replicas").value(f.replicas);
    w.key("deployment").raw(openfaas::to_json(f.deployment));
    w.end_object();
    return write_file_atomic(dir / (f.deployment.service + ".json"), w.str(), 0600);
}

Status Store::remove_function(const std::string& ns, const std::string& name) {
    std::error_code ec;
    fs::remove(dir_ / "functions" / ns / (name + ".json"), ec);
    if (ec) {
        return make_error(ec, "cannot remove function state: " + ec.message());
    }
    return {};
}

std::vector<StoredFunction> Store::load_functions(std::vector<std::string>& errors) const {
    std::vector<StoredFunction> out;
    for (const auto& nsdir : dirs_in(dir_ / "functions")) {
        for (const auto& file : files_in(nsdir, ".json")) {
            auto text = read_small_file(file);
            if (!text) {
                errors.push_back(text.error().what());
                continue;
            }
            auto f = decode_function(*text);
            if (!f) {
                errors.push_back(file.string() + ": " + f.error().what());
                continue;
            }
            f->deployment.namespace_ = nsdir.filename().string();
            out.push_back(std::move(f).value());
        }
    }
    return out;
}

Status Store::save_namespace(const openfaas::FunctionNamespace& ns) {
    return write_file_atomic(dir_ / "namespaces" / (ns.name + ".json"), openfaas::to_json(ns),
                             0600);
}

Status Store::remove_namespace(const std::string& name) {
    std::error_code ec;
    fs::remove(dir_ / "namespaces" / (name + ".json"), ec);
    if (ec) {
        return make_error(ec, "cannot remove namespace state: " + ec.message());
    }
    return {};
}

std::vector<openfaas::FunctionNamespace> Store::load_namespaces(
    std::vector<std::string>& errors) const {
    std::vector<openfaas::FunctionNamespace> out;
    for (const auto& file : files_in(dir_ / "namespaces", ".json")) {
        auto text = read_small_file(file);
        if (!text) {
            errors.push_back(text.error().what());
            continue;
        }
        auto ns = openfaas::parse_namespace(*text);
        if (!ns) {
            errors.push_back(file.string() + ": " + ns.error().what());
            continue;
        }
        out.push_back(std::move(ns).value());
    }
    return out;
}

fs::path Store::secret_path(const std::string& ns, const std::string& name) const {
    return dir_ / "secrets" / ns / name;
}

bool Store::secret_exists(const std::string& ns, const std::string& name) const {
    std::error_code ec;
    return fs::is_regular_file(secret_path(ns, name), ec);
}

Status Store::write_secret(const std::string& ns, const std::string& name, std::string_view bytes) {
    const fs::path dir = dir_ / "secrets" / ns;
    if (auto st = ensure_dir(dir); !st) {
        return st;
    }
    ::chmod(dir.c_str(), 0700);
    return write_file_atomic(dir / name, bytes, 0600);
}

Status Store::remove_secret(const std::string& ns, const std::string& name) {
    std::error_code ec;
    fs::remove(secret_path(ns, name), ec);
    if (ec) {
        return make_error(ec, "cannot remove secret: " + ec.message());
    }
    return {};
}

std::vector<std::string> Store::list_secrets(const std::string& ns) const {
    std::vector<std::string> out;
    for (const auto& f : files_in(dir_ / "secrets" / ns, "")) {
        const std::string name = f.filename().string();
        if (name.size() > 4 && name.ends_with(".tmp")) {
            continue;
        }
        out.push_back(name);
    }
    return out;
}

Result<std::string> read_webhook_secret(const Store& store,
                                        const std::string& ns,
                                        const openfaas::FunctionDeployment& d,
                                        std::string_view hint) {
    using openfaas::async::kWebhookSecretAnnotation;
    std::string secret;
    if (const auto& annotations = d.annotations) {
        if (auto it = annotations->find(std::string(kWebhookSecretAnnotation));
            it != annotations->end()) {
            secret = std::string(text::trim(it->second));
        }
    }
    if (secret.empty()) {
        return make_error(errc::not_found, "function " + d.service + " has no " +
                                               std::string(kWebhookSecretAnnotation) +
                                               " annotation");
    }
    if (!openfaas::async::valid_webhook_secret_name(secret) || !store.secret_exists(ns, secret)) {
        return make_error(errc::not_found, "secret " + secret + " not found in namespace " + ns +
                                               std::string(hint));
    }
    auto bytes = read_small_file(store.secret_path(ns, secret));
    if (!bytes) {
        return make_error(errc::internal, "secret " + secret + ": " + bytes.error().what());
    }
    return std::move(bytes).value();
}

}  // namespace faas::provider
