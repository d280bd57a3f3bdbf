#pragma once
// Store: the provider's state on disk under state_dir, so a restarted provider gets its
// functions, namespaces and secrets back. Every file is written atomically (temp + rename);
// secrets are files with mode 0600. Small files only, so these blocking calls are cheap enough
// for the control thread. Owned by a back end, used from its control thread only.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::provider {

struct StoredFunction {
    openfaas::FunctionDeployment deployment;  // namespace_ always set
    std::string created_at;
    std::uint64_t replicas = 1;
};

class Store {
public:
    explicit Store(std::filesystem::path dir);

    // Creates the directory layout (functions/, namespaces/, secrets/, replicas/).
    Status init();
    const std::filesystem::path& dir() const noexcept { return dir_; }
    // Working space of replicas (TMPDIR, secrets copies); emptied at start-up.
    std::filesystem::path replicas_dir() const { return dir_ / "replicas"; }

    Status save_function(const StoredFunction& f);
    Status remove_function(const std::string& ns, const std::string& name);
    // Every stored function; unreadable files are reported in `errors` and skipped.
    std::vector<StoredFunction> load_functions(std::vector<std::string>& errors) const;

    Status save_namespace(const openfaas::FunctionNamespace& ns);
    Status remove_namespace(const std::string& name);
    std::vector<openfaas::FunctionNamespace> load_namespaces(
        std::vector<std::string>& errors) const;

    std::filesystem::path secret_path(const std::string& ns, const std::string& name) const;
    bool secret_exists(const std::string& ns, const std::string& name) const;
    Status write_secret(const std::string& ns, const std::string& name, std::string_view bytes);
    Status remove_secret(const std::string& ns, const std::string& name);
    // Names of the secrets of `ns`, sorted.
    std::vector<std::string> list_secrets(const std::string& ns) const;

private:
    std::filesystem::path dir_;
};

// The bytes of the secret of namespace `ns` that `d` names in its com.faas.webhook.secret
// annotation (for the gateway's webhook verification). errc::not_found when the annotation or
// the secret is missing (`hint` is appended to the latter's message).
Result<std::string> read_webhook_secret(const Store& store,
                                        const std::string& ns,
                                        const openfaas::FunctionDeployment& d,
                                        std::string_view hint = {});

// Writes `data` to `path` atomically (a temp file in the same directory, fsync, rename) with
// file mode `mode`.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode);
// Reads a whole (small) file.
Result<std::string> read_small_file(const std::filesystem::path& path);

}  // namespace faas::provider
