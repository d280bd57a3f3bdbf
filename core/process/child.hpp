#pragma once
// Child: a process started with posix_spawn in its own process group, with optional pipes
// wrapped as Asio descriptors and its exit awaited through a pidfd (never a blocking waitpid on
// an io_context thread). The destructor kills the whole group and reaps the child if it is
// still running. Lives on one io_context thread.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/result.hpp"

namespace faas::process {

enum class Stdio {
    Pipe,      // a pipe to us
    Inherit,   // our own descriptor
    Null,      // /dev/null
    ToStdout,  // stderr only: the same pipe/descriptor as stdout
};

struct SpawnOptions {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
    std::vector<std::string> env;   // "NAME=value" entries: the whole environment
    std::string cwd;                // empty: ours
    Stdio in = Stdio::Pipe;
    Stdio out = Stdio::Pipe;
    Stdio err = Stdio::Pipe;
};

// How a process ended, as Go's os/exec describes it ("exit status 1", "signal: killed").
struct ExitStatus {
    int code = -1;    // exit code when exited normally, else -1
    int signal = 0;   // terminating signal, else 0
    bool success() const noexcept { return code == 0; }
    std::string describe() const;
};

// A process started by Child::start and not yet bound to an io_context: a pid, a pidfd and
// pipe ends. Any thread may start one and hand it to the io_context thread that adopts it.
// Destroyed unadopted, it kills the process group and reaps the process.
class Started {
public:
    Started() = default;
    Started(Started&& o) noexcept;
    Started& operator=(Started&& o) noexcept;
    Started(const Started&) = delete;
    Started& operator=(const Started&) = delete;
    ~Started();

private:
    friend class Child;
    void release_all() noexcept;

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int in_ = -1;
    int out_ = -1;
    int err_ = -1;
};

class Child {
public:
    // start() then adopt().
    static Result<Child> spawn(const asio::any_io_executor& ex, const SpawnOptions& options);
    // Starts the process without touching any io_context: safe on any thread (posix_spawn
    // blocks its caller until the exec, so a pool can keep that off its io threads).
    static Result<Started> start(const SpawnOptions& options);
    // Binds a started process to `ex`; call on the thread that runs `ex`.
    static Child adopt(const asio::any_io_executor& ex, Started&& started);

    Child(Child&&) noexcept;
    Child& operator=(Child&&) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    pid_t pid() const noexcept { return pid_; }
    bool running() const noexcept { return pid_ > 0 && !status_; }

    // Present when the corresponding Stdio was Pipe.
    std::optional<asio::posix::stream_descriptor>& stdin_pipe() { return in_; }
    std::optional<asio::posix::stream_descriptor>& stdout_pipe() { return out_; }
    std::optional<asio::posix::stream_descriptor>& stderr_pipe() { return err_; }
    void close_stdin();

    // Waits for the process to exit and reaps it. With `kill_group`, whatever the process left
    // running in its group (workers of a server, background jobs) is killed before the reap.
    awaitable<ExitStatus> wait(bool kill_group = false);
    // True once the process has exited (without reaping it; wait() still reports the status).
    bool exited() const noexcept;
    // Sends `sig` to the whole process group (the child and anything it started).
    void signal_group(int sig) const noexcept;
    // Sends `sig` to the child alone, as a container runtime does: the child decides what
    // happens to its own children (a watchdog lets in-flight calls finish).
    void signal(int sig) const noexcept;

private:
    Child() = default;
    void reap_blocking() noexcept;

    pid_t pid_ = -1;
    std::optional<asio::posix::stream_descriptor> pidfd_;
    std::optional<asio::posix::stream_descriptor> in_;
    std::optional<asio::posix::stream_descriptor> out_;
    std::optional<asio::posix::stream_descriptor> err_;
    std::optional<ExitStatus> status_;
};

// The environment of this process as "NAME=value" entries.
std::vector<std::string> current_environment();

}  // namespace faas::process
