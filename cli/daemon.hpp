#pragma once
// Supervisor: the daemons `faas up` runs as children, each in its own process group, with its
// output kept in <logs>/<name>.log (and echoed with a [name] prefix) and its last lines at hand
// for an error message. A daemon whose state lives elsewhere (nats-server: on disk; the
// queue-worker: in JetStream) is restarted when it exits; the others end the platform when they
// exit. Everything runs on the one io_context of `faas up`'s thread; the Supervisor owns the
// daemons and outlives every coroutine it spawns (run_up joins the io_context before it dies).
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "cli/commands.hpp"
#include "core/async/async_event.hpp"
#include "core/process/child.hpp"

namespace faas::cli {

// Restarts of a daemon that exits again before it is ready, in a row, before we give up on it.
inline constexpr int kMaxUnreadyRestarts = 3;

struct DaemonSpec {
    std::string name;               // "gateway": the log file name and the output prefix
    std::string path;               // the binary
    std::vector<std::string> args;  // after argv[0]
    std::vector<std::string> env;   // "K=V" set over our own environment
    // Restart it when it exits on its own (not when the platform stops).
    bool restart = false;
    // A log line containing this means the daemon is ready ("" : a "listening port=N" line).
    std::string ready_marker;
};

// One supervised daemon: its current process, its log, the last lines it wrote, how it ended.
struct Daemon {
    Daemon(DaemonSpec s, const asio::any_io_executor& ex)
        : spec(std::move(s)), exited(ex), output_done(ex) {}
    DaemonSpec spec;
    std::optional<process::Child> child;  // the current (or last) run; never reset
    pid_t pid() const { return child ? child->pid() : -1; }
    std::ofstream log;
    std::filesystem::path log_path;
    std::deque<std::string> last_lines;
    // Set once the daemon has ended for good (no restart follows).
    std::optional<process::ExitStatus> status;
    async::AsyncEvent exited;
    // The current run's output was read to its end.
    async::AsyncEvent output_done;
    // Of the current run: the port of its "listening port=N" line, and whether it is ready.
    std::optional<std::uint16_t> listening_port;
    bool ready = false;
    int restarts = 0;
    int unready_exits = 0;  // exits before ready, in a row
};

// "1.5s": how long waits and restarts are announced.
std::string seconds_text(std::chrono::steady_clock::duration d);
// How often faas up looks again at something it waits for.
inline constexpr std::chrono::milliseconds kPoll{50};
// The address a local client uses to reach a daemon bound to `bind` ("0.0.0.0", "::" -> the
// loopback address).
std::string local_host(const std::string& bind);

// The port of a "listening port=N" log line.
std::optional<std::uint16_t> listening_port_of(std::string_view line);

class Supervisor {
public:
    // `wake` is notified when a daemon ends for good (unless stopping).
    Supervisor(asio::io_context& io,
               Io& out,
               std::filesystem::path log_dir,
               bool quiet,
               async::AsyncEvent& wake);

    // Starts a daemon (errc::not_found when its binary is missing).
    Result<Daemon*> start(DaemonSpec spec);
    // Stops the daemons in reverse start order: SIGTERM to each process group, SIGKILL after
    // the grace period.
    awaitable<void> stop_all();
    // A daemon that ended for good, or nullptr.
    const Daemon* dead() const;
    // The log lines announcing starts, restarts and stops.
    void say(const std::string& line);

private:
    Status spawn(Daemon* d);
    awaitable<void> pump(Daemon* d);
    awaitable<void> watch(Daemon* d);
    awaitable<void> stop(Daemon* d);
    void note_line(Daemon* d, const std::string& line);

    asio::io_context& io_;
    Io& out_;
    std::filesystem::path log_dir_;
    bool quiet_;
    async::AsyncEvent& wake_;
    std::vector<std::unique_ptr<Daemon>> daemons_;  // in start order
    bool stopping_ = false;
};

}  // namespace faas::cli
