// Starting a replica's process for the local back end: its working directory and secrets, its
// environment, and the launcher's command line (provider/backends/local/launcher.hpp).
#include <unistd.h>

#include <array>
#include <filesystem>
#include <map>
#include <system_error>

#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/launcher.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider::local {

namespace fs = std::filesystem;

namespace {

// A port that was free a moment ago. fwatchdog binds it right away; if another process takes
// it first, the replica exits and is restarted on another port.
std::uint16_t free_port(const asio::any_io_executor& ex) {
    asio::ip::tcp::acceptor a(ex);
    boost::system::error_code ec;
    a.open(asio::ip::tcp::v4(), ec);
    a.bind({asio::ip::make_address_v4("127.0.0.1"), 0}, ec);
    if (ec) {
        return 0;
    }
    return a.local_endpoint().port();
}

bool env_name_is(std::string_view entry, std::string_view name) {
    return entry.size() > name.size() && entry.substr(0, name.size()) == name &&
           entry[name.size()] == '=';
}

// The part of the provider's environment a function inherits: the basics a process needs, and
// the sanitizer settings of a test build. Provider settings (port, state_dir, basic_auth, ...)
// are not passed on.
bool inherited(std::string_view entry) {
    static constexpr std::array<std::string_view, 10> kNames{
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "LD_LIBRARY_PATH",
        "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    for (auto n : kNames) {
        if (env_name_is(entry, n)) {
            return true;
        }
    }
    return entry.starts_with("LC_");
}

std::string duration_env(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

}  // namespace

Status LocalBackend::prepare_replica_dir(const Function& fn, Replica& r) const {
    std::error_code ec;
    fs::create_directories(r.dir / "tmp", ec);
    if (!ec) {
        fs::remove_all(r.dir / "secrets", ec);
        fs::create_directories(r.dir / "secrets", ec);
    }
    if (ec) {
        return make_error(ec, "cannot create " + r.dir.string() + ": " + ec.message());
    }
    // Secrets are for the function (same user) only.
    fs::permissions(r.dir / "secrets", fs::perms::owner_all, ec);
    // Only the secrets the function declared, copied at each start, so an update after
    // PUT /system/secrets sees the new value.
    for (const auto& s : fn.stored.deployment.secrets) {
        const fs::path from = store_.secret_path(fn.ns(), s);
        const fs::path to = r.dir / "secrets" / s;
        fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
        if (ec) {
            log_->warn("secret missing fn={} replica={} secret={} error=\"{}\"", fn.name(), r.id, s,
                       ec.message());
            ec.clear();
            continue;
        }
        fs::permissions(to, fs::perms::owner_read, ec);
    }
    return {};
}

std::vector<std::string> LocalBackend::replica_env(const Function& fn, const Replica& r) const {
    std::map<std::string, std::string> env;
    for (const auto& e : base_env_) {
        if (inherited(e)) {
            const auto eq = e.find('=');
            env[e.substr(0, eq)] = e.substr(eq + 1);
        }
    }
    const auto& d = fn.stored.deployment;
    if (d.env_vars) {
        for (const auto& [k, v] : *d.env_vars) {
            env[k] = v;
        }
    }
    if (!d.env_process.empty()) {
        env["fprocess"] = d.env_process;
    }
    const std::string secrets = mount_secrets_ ? kSecretsPath : (r.dir / "secrets").string();
    env["secret_mount_path"] = secrets;
    env["OPENFAAS_SECRETS_DIR"] = secrets;
    // Ours, never overridden by envVars: the port the endpoint list announces, no second
    // listener, a private lock file, and a short drain (the replica left the list first).
    env["port"] = std::to_string(r.port);
    env["metrics_port"] = "-1";
    env["TMPDIR"] = (r.dir / "tmp").string();
    env["healthcheck_interval"] = duration_env(config_.local.replica_drain);
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) {
        std::string line = k;
        line += '=';
        line += v;
        out.push_back(std::move(line));
    }
    return out;
}

Status LocalBackend::spawn(const Function& fn, Replica& r) {
    r.port = free_port(ex_);
    if (r.port == 0) {
        return make_error(errc::internal, "no free port");
    }
    if (auto st = prepare_replica_dir(fn, r); !st) {
        return st;
    }
    auto launch = limiter_.prepare(r.id, fn.limits);
    if (!launch) {
        return launch.error();
    }
    LaunchSpec spec;
    spec.watchdog = config_.local.fwatchdog_path;
    spec.secrets_dir = (r.dir / "secrets").string();
    spec.mount_secrets = mount_secrets_;
    spec.cgroup_procs = launch->cgroup_procs;
    spec.rlimit_as = launch->rlimit_as;
    spec.parent = ::getpid();
    process::SpawnOptions o;
    o.argv = launcher_argv(config_.local.launcher_path, config_.local.launcher_via_flag, spec);
    o.env = replica_env(fn, r);
    const auto& ann = fn.stored.deployment.annotations;
    auto wd = ann ? ann->find("com.faas.local.workdir") : openfaas::StringMap::const_iterator{};
    o.cwd = (ann && wd != ann->end() && !wd->second.empty()) ? wd->second : r.dir.string();
    o.in = process::Stdio::Null;
    o.out = process::Stdio::Pipe;
    o.err = process::Stdio::Pipe;
    auto child = process::Child::spawn(ex_, o);
    if (!child) {
        return child.error();
    }
    r.child.emplace(std::move(child).value());
    r.exited = false;
    return {};
}

}  // namespace faas::provider::local
