#pragma once
// Process: a real binary started for a test (fwatchdog, nginx) in its own process group, with
// an explicit environment and stdout/stderr captured to files. The destructor kills it and
// everything it started (its descendants too, which live in their own groups) and reaps it, so
// no test leaves a process behind. Owned by one test thread.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/support/wait.hpp"

namespace faas::test {

struct ExitInfo {
    int code = -1;   // exit code when the process exited, else -1
    int signal = 0;  // the signal that killed it, else 0
    bool exited_with(int c) const noexcept { return signal == 0 && code == c; }
};

using EnvMap = std::map<std::string, std::string>;

// PATH plus the sanitizer options of this process, if any: the minimum a child needs.
EnvMap base_env();

struct ProcessOptions {
    std::vector<std::string> argv;
    EnvMap env;                         // the whole environment of the child
    std::filesystem::path stdout_path;  // empty: /dev/null
    std::filesystem::path stderr_path;  // empty: /dev/null
    std::filesystem::path cwd;          // empty: ours
};

class Process {
public:
    // Starts the process; throws std::runtime_error naming the binary when it cannot.
    explicit Process(ProcessOptions options);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // Sends `sig` to the process itself (not its group).
    void signal(int sig) const noexcept;
    // True until the process has exited (and been reaped by wait_exit/running).
    bool running();
    // Waits for the exit; nullopt when it is still running after `bound`.
    std::optional<ExitInfo> wait_exit(std::chrono::nanoseconds bound = kMaxWait);
    // Kills the process and all its descendants now and reaps it.
    void kill_tree() noexcept;

    std::string stdout_text() const;
    std::string stderr_text() const;
    // Waits until the captured stderr contains `needle`.
    bool wait_for_stderr(std::string_view needle, std::chrono::nanoseconds bound = kMaxWait) const;

private:
    bool try_reap() noexcept;

    ProcessOptions options_;
    pid_t pid_ = -1;
    std::optional<ExitInfo> exit_;
};

// Runs a command to completion; throws when it has not finished within `bound` (after killing it).
struct RunResult {
    ExitInfo exit;
    std::string out;
    std::string err;
};
RunResult run(std::vector<std::string> argv, EnvMap env, std::chrono::nanoseconds bound = kMaxWait);

// The PIDs of every live descendant of `pid` (children, grandchildren, ...), from /proc.
std::vector<pid_t> descendants(pid_t pid);

// True when `pid` no longer runs: no such process, or a zombie waiting to be reaped.
bool gone(pid_t pid);

// VmHWM (peak resident set) and VmRSS of a process in KiB, from /proc/<pid>/status.
std::optional<std::uint64_t> peak_rss_kib(pid_t pid);
std::optional<std::uint64_t> rss_kib(pid_t pid);

}  // namespace faas::test
