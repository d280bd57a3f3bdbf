#pragma once
// `faas up`: the whole platform on this machine. Starts nats-server (JetStream, store in
// <state dir>/nats), faas-provider, the gateway and the queue-worker (the last three found next
// to the faas executable) as supervised children in their own process groups (cli/daemon.hpp),
// with their logs in <state dir>/logs/ and echoed to the terminal; waits until each is ready,
// deploys a stack (the examples by default) with the same code as `faas deploy`, then stays in
// the foreground until SIGINT/SIGTERM, when it stops them in reverse order. nats-server and the
// queue-worker are restarted when they exit; the provider or the gateway exiting stops the rest
// and makes `faas up` exit 1. Runs on one io_context on the calling thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace faas::cli {

struct UpOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8080;
    // The gateway's metrics port; nullopt: 8082 when free, else any free port.
    std::optional<std::uint16_t> metrics_port;
    // nats-server's client port; nullopt: a free port.
    std::optional<std::uint16_t> nats_port;
    std::filesystem::path state_dir;
    std::filesystem::path stack;  // empty: deploy nothing
    std::filesystem::path bin_dir;
    bool quiet = false;  // children's logs only to the log files
    std::chrono::nanoseconds start_timeout = std::chrono::seconds(30);
    std::chrono::nanoseconds ready_timeout = std::chrono::seconds(60);
};

// The binaries faas up runs, resolved before anything starts.
struct UpBinaries {
    std::string nats_server;
    std::string provider;
    std::string gateway;
    std::string queue_worker;
};

// nats-server: $nats_server_path, else the PATH, else `fallback_dirs` (Debian
// installs it in /usr/sbin, which a user's PATH may lack). errc::not_found with the install
// hint when it is nowhere.
Result<std::string> find_nats_server(
    const VarLookup& env,
    const std::vector<std::string>& fallback_dirs = {"/usr/sbin", "/usr/local/sbin"});
// A sibling of faas: $<env_name>, else bin_dir/<binary>. errc::not_found naming both.
Result<std::string> find_sibling(const VarLookup& env,
                                 const std::filesystem::path& bin_dir,
                                 const std::string& env_name,
                                 const std::string& binary);
// The nats-server configuration faas up writes: max_payload 8MB, so a queued 1 MiB body
// (base64 in the QueueRequest JSON) fits.
std::string nats_config();
// callback_allow_hosts for the gateway and the queue-worker: $callback_allow_hosts when set
// (even empty), else "127.0.0.1,::1" (a local platform's callbacks go to this machine).
std::string callback_allow_hosts(const VarLookup& env);

// The provider's default: $FAAS_STATE_DIR, /var/lib/faas for root, else ~/.local/state/faas.
std::filesystem::path default_state_dir(const VarLookup& env);

// The directory of the running executable (/proc/self/exe).
std::filesystem::path own_bin_dir();

int run_up(const UpOptions& options, Io& io);

}  // namespace faas::cli
