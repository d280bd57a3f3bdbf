#include "cli/up.hpp"

#include <memory>
#include <ostream>
#include <tuple>

#include <unistd.h>

#include "cli/up_platform.hpp"

namespace faas::cli {
namespace {

namespace fs = std::filesystem;

// True when nothing listens on addr:port right now (we could bind it).
bool port_free(const std::string& addr, std::uint16_t port) {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(addr, ec);
    if (ec) {
        return false;
    }
    const asio::ip::tcp::endpoint ep(address, port);
    acceptor.open(ep.protocol(), ec);
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(ep, ec);
    return !ec;
}

std::uint16_t any_free_port() {
    asio::io_context io;
    const asio::ip::tcp::endpoint any(asio::ip::make_address("127.0.0.1"), 0);
    asio::ip::tcp::acceptor acceptor(io, any);
    return acceptor.local_endpoint().port();
}

}  // namespace

Result<std::string> find_nats_server(const VarLookup& env,
                                     const std::vector<std::string>& fallback_dirs) {
    if (auto p = env("nats_server_path"); p && !p->empty()) {
        if (::access(p->c_str(), X_OK) != 0) {
            return make_error(errc::not_found,
                              "nats_server_path=" + *p + " is not an executable file");
        }
        return *p;
    }
    std::vector<fs::path> dirs;
    const std::string path = env("PATH").value_or("");
    for (std::size_t start = 0; start <= path.size();) {
        const auto colon = std::min(path.find(':', start), path.size());
        if (colon > start) {
            dirs.emplace_back(path.substr(start, colon - start));
        }
        start = colon + 1;
    }
    dirs.insert(dirs.end(), fallback_dirs.begin(), fallback_dirs.end());
    std::string fallbacks;
    for (const auto& dir : fallback_dirs) {
        fallbacks += ", " + dir;
    }
    for (const auto& dir : dirs) {
        const fs::path candidate = dir / "nats-server";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return make_error(errc::not_found,
                      "nats-server was not found (looked in PATH" + fallbacks + "); "
                      "install it with scripts/install-deps.sh (Debian: apt-get install "
                      "nats-server) or set nats_server_path");
}

Result<std::string> find_sibling(const VarLookup& env,
                                 const fs::path& bin_dir,
                                 const std::string& env_name,
                                 const std::string& binary) {
    std::string path = (bin_dir / binary).string();
    if (auto override_path = env(env_name); override_path && !override_path->empty()) {
        path = *override_path;
    }
    if (::access(path.c_str(), X_OK) != 0) {
        return make_error(errc::not_found, path +
                                               " not found or not executable (build it with "
                                               "scripts/build.sh, or set " +
                                               env_name + ")");
    }
    return path;
}

std::string nats_config() {
    return "# Written by faas up at every start. A queued request is JSON with the body in\n"
           "# base64: a 1 MiB body needs more than the default max_payload of 1 MB.\n"
           "max_payload: 8MB\n";
}

std::string callback_allow_hosts(const VarLookup& env) {
    return env("callback_allow_hosts").value_or("127.0.0.1,::1");
}

namespace {

// The three siblings of faas into `bins`.
Status find_siblings(const UpOptions& o, const VarLookup& env, UpBinaries& bins) {
    for (auto [field, env_name, binary] :
         {std::tuple{&bins.provider, "provider_path", "faas-provider"},
          std::tuple{&bins.gateway, "gateway_path", "gateway"},
          std::tuple{&bins.queue_worker, "queue_worker_path", "queue-worker"}}) {
        auto path = find_sibling(env, o.bin_dir, env_name, binary);
        if (!path) {
            return path.error();
        }
        *field = std::move(*path);
    }
    return {};
}

// The ports faas up listens on or hands out, checked free before anything starts.
struct UpPorts {
    std::uint16_t metrics = 0;
    std::uint16_t nats = 0;
};

Result<UpPorts> pick_ports(const UpOptions& o) {
    if (!port_free(o.bind, o.port)) {
        return make_error(errc::unavailable,
                          "port " + std::to_string(o.port) + " on " + o.bind +
                              " is already in use; stop what listens there (ss -ltnp 'sport = :" +
                              std::to_string(o.port) + "') or pick another with --port");
    }
    UpPorts ports;
    ports.metrics = o.metrics_port.value_or(8082);
    if (!port_free("127.0.0.1", ports.metrics) && !port_free("0.0.0.0", ports.metrics)) {
        if (o.metrics_port) {
            return make_error(errc::unavailable,
                              "metrics port " + std::to_string(ports.metrics) +
                                  " is already in use; pick another with --metrics-port");
        }
        ports.metrics = any_free_port();
    }
    ports.nats = o.nats_port ? *o.nats_port : any_free_port();
    if (o.nats_port && !port_free("127.0.0.1", ports.nats)) {
        return make_error(errc::unavailable,
                          "NATS port " + std::to_string(ports.nats) +
                              " is already in use; pick another with --nats-port (or leave it "
                              "out for a free one)");
    }
    return ports;
}

}  // namespace

int run_up(const UpOptions& options, Io& io) {
    UpOptions o = options;
    UpBinaries bins;
    auto nats = find_nats_server(io.env);
    if (!nats) {
        return fail(io, "up: " + nats.error().what(), kExitUsage);
    }
    bins.nats_server = std::move(*nats);
    if (Status found = find_siblings(o, io.env, bins); !found) {
        return fail(io, "up: " + found.error().what());
    }
    auto ports = pick_ports(o);
    if (!ports) {
        return fail(io, "up: " + ports.error().what());
    }
    std::error_code ec;
    fs::create_directories(o.state_dir / "logs", ec);
    if (ec) {
        return fail(io, "up: cannot create " + (o.state_dir / "logs").string() + ": " +
                            ec.message());
    }
    const std::uint16_t metrics = ports->metrics;
    const std::uint16_t nats_port = ports->nats;
    asio::io_context ctx;
    int rc = kExitFailed;
    {
        Platform platform(ctx, o, std::move(bins), io);
        asio::co_spawn(
            ctx,
            [&]() -> awaitable<void> {
                rc = co_await platform.run(metrics, nats_port);
                ctx.stop();
            },
            asio::detached);
        ctx.run();
    }
    return rc;
}

}  // namespace faas::cli
