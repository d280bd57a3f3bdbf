#include "tests/support/kube/pod_runtime.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <system_error>

#include <unistd.h>

#include "core/text/text.hpp"
#include "provider/backends/local/launcher.hpp"

namespace faas::test::kube {

namespace fs = std::filesystem;
namespace local = provider::local;

namespace {

const Value& first_container(const Value& pod) {
    static const Value kNone;
    const Value* cs = pod.at({"spec", "containers"});
    return cs != nullptr && !cs->empty() ? cs->items().front() : kNone;
}

const Value* volume_named(const Value& pod, std::string_view name) {
    if (const Value* vols = pod.at({"spec", "volumes"})) {
        for (const Value& v : vols->items()) {
            if (v.string_at({"name"}) == name) {
                return &v;
            }
        }
    }
    return nullptr;
}

// The secret sources of a volume: {name, items, optional} from `secret` or `projected`.
std::vector<const Value*> secret_sources(const Value& volume, std::vector<Value>& scratch) {
    std::vector<const Value*> out;
    if (const Value* s = volume.find("secret")) {
        Value src = *s;
        src["name"] = s->string_at({"secretName"});
        scratch.push_back(std::move(src));
        out.push_back(&scratch.back());
    }
    if (const Value* sources = volume.at({"projected", "sources"})) {
        for (const Value& src : sources->items()) {
            if (const Value* s = src.find("secret")) {
                out.push_back(s);
            }
        }
    }
    return out;
}

Status write_secret(const Store& store, const Value& pod, const Value& src, const fs::path& dir) {
    const std::string name = src.string_at({"name"});
    const Value* secret = store.get(gvr::kSecrets, pod.string_at({"metadata", "namespace"}), name);
    if (secret == nullptr) {
        const Value* optional = src.find("optional");
        if (optional != nullptr && optional->as_bool()) {
            return {};
        }
        return make_error(errc::not_found, "secret \"" + name + "\" not found");
    }
    std::map<std::string, std::string> files;  // key -> file name
    if (const Value* items = src.find("items"); items != nullptr && !items->empty()) {
        for (const Value& i : items->items()) {
            files[i.string_at({"key"})] = i.string_at({"path"});
        }
    } else if (const Value* data = secret->find("data")) {
        for (const auto& [k, v] : data->members()) {
            files[k] = k;
        }
    }
    for (const auto& [key, file] : files) {
        const auto bytes = text::base64_decode(secret->string_at({"data", key}));
        std::ofstream out(dir / file, std::ios::binary | std::ios::trunc);
        out << bytes.value_or(std::string());
        if (!out) {
            return make_error(errc::internal, "cannot write " + (dir / file).string());
        }
    }
    return {};
}

bool inherited(std::string_view name) {
    static constexpr std::array<std::string_view, 7> kNames{
        "PATH", "LANG", "TZ", "LD_LIBRARY_PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    return name.starts_with("LC_") || std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

// env[].valueFrom.fieldRef, for the fields a function may ask for.
std::string field_value(const Value& pod, std::string_view path, const std::string& ip) {
    if (path == "metadata.name") {
        return pod.string_at({"metadata", "name"});
    }
    if (path == "metadata.namespace") {
        return pod.string_at({"metadata", "namespace"});
    }
    if (path == "spec.nodeName") {
        return pod.string_at({"spec", "nodeName"});
    }
    return path == "status.podIP" ? ip : std::string();
}

}  // namespace

fs::path pod_dir(const RuntimeConfig& config, const Value& pod) {
    return config.pods_dir /
           (pod.string_at({"metadata", "namespace"}) + "_" + pod.string_at({"metadata", "name"}) +
            "_" + pod.string_at({"metadata", "uid"}));
}

Status prepare_pod_dir(const RuntimeConfig& config, const Store& store, const Value& pod) {
    const fs::path dir = pod_dir(config, pod);
    std::error_code ec;
    fs::create_directories(dir / "tmp", ec);
    fs::remove_all(dir / "secrets", ec);
    fs::create_directories(dir / "secrets", ec);
    if (ec) {
        return make_error(ec, "cannot create " + dir.string() + ": " + ec.message());
    }
    fs::permissions(dir / "secrets", fs::perms::owner_all, ec);
    const Value* mounts = first_container(pod).find("volumeMounts");
    for (const Value& m : mounts != nullptr ? mounts->items() : Value::Array{}) {
        const Value* volume = volume_named(pod, m.string_at({"name"}));
        // Only the function's secrets path has a place here (the launcher mounts one directory).
        if (volume == nullptr || m.string_at({"mountPath"}) != local::kSecretsPath) {
            continue;
        }
        std::vector<Value> scratch;
        scratch.reserve(1);
        for (const Value* src : secret_sources(*volume, scratch)) {
            if (auto st = write_secret(store, pod, *src, dir / "secrets"); !st) {
                return st;
            }
        }
    }
    return {};
}

std::vector<std::string> container_env(const RuntimeConfig& config,
                                       const Value& pod,
                                       const std::string& ip) {
    std::map<std::string, std::string> env;
    for (const std::string& e : process::current_environment()) {
        const auto eq = e.find('=');
        if (eq != std::string::npos && inherited(std::string_view(e).substr(0, eq))) {
            env[e.substr(0, eq)] = e.substr(eq + 1);
        }
    }
    env["HOSTNAME"] = pod.string_at({"metadata", "name"});
    const Value* entries = first_container(pod).find("env");
    for (const Value& e : entries != nullptr ? entries->items() : Value::Array{}) {
        const Value* field = e.at({"valueFrom", "fieldRef", "fieldPath"});
        env[e.string_at({"name"})] =
            field != nullptr ? field_value(pod, field->as_string(), ip) : e.string_at({"value"});
    }
    const fs::path dir = pod_dir(config, pod);
    env["TMPDIR"] = (dir / "tmp").string();
    env["bind_address"] = ip;
    if (!config.mount_secrets) {
        env["secret_mount_path"] = (dir / "secrets").string();
        env["OPENFAAS_SECRETS_DIR"] = (dir / "secrets").string();
    }
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) {
        out.push_back(k + "=" + v);
    }
    return out;
}

Result<process::Child> start_container(const asio::any_io_executor& ex,
                                       const RuntimeConfig& config,
                                       const Value& pod,
                                       const std::string& ip) {
    const fs::path dir = pod_dir(config, pod);
    local::LaunchSpec spec;
    spec.watchdog = (config.bin_dir / "fwatchdog").string();
    spec.secrets_dir = (dir / "secrets").string();
    spec.mount_secrets = config.mount_secrets;
    spec.parent = ::getpid();
    process::SpawnOptions o;
    o.argv = local::launcher_argv((config.bin_dir / "faas-replica").string(), false, spec);
    o.env = container_env(config, pod, ip);
    o.cwd = dir.string();
    o.in = process::Stdio::Null;
    o.out = process::Stdio::Pipe;
    o.err = process::Stdio::Pipe;
    return process::Child::spawn(ex, o);
}

}  // namespace faas::test::kube
