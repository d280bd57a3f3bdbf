#include "tests/support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/process/spawn_setup.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {
namespace {

using process::SpawnSetup;

ExitInfo decode(int raw) {
    ExitInfo e;
    if (WIFEXITED(raw)) {
        e.code = WEXITSTATUS(raw);
    } else if (WIFSIGNALED(raw)) {
        e.signal = WTERMSIG(raw);
    }
    return e;
}

// Parent PID of `pid` from /proc/<pid>/stat ("pid (comm) state ppid ..."), or -1.
pid_t parent_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    pid_t ppid = -1;
    rest >> state >> ppid;
    return ppid;
}

std::optional<std::uint64_t> status_field(pid_t pid, std::string_view field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
            std::istringstream v(line.substr(field.size() + 1));
            std::uint64_t kib = 0;
            if (v >> kib) {
                return kib;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

EnvMap base_env() {
    EnvMap env;
    for (const char* name : {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
        if (const char* v = std::getenv(name)) {  // NOLINT(concurrency-mt-unsafe)
            env[name] = v;
        }
    }
    if (!env.contains("PATH")) {
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    }
    return env;
}

Process::Process(ProcessOptions options) : options_(std::move(options)) {
    if (options_.argv.empty()) {
        throw std::runtime_error("Process: empty argv");
    }
    SpawnSetup setup;
    auto* fa = &setup.actions;
    posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    const auto out =
        options_.stdout_path.empty() ? std::string("/dev/null") : options_.stdout_path.string();
    const auto err =
        options_.stderr_path.empty() ? std::string("/dev/null") : options_.stderr_path.string();
    posix_spawn_file_actions_addopen(fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_addopen(fa, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    if (!options_.cwd.empty()) {
        posix_spawn_file_actions_addchdir_np(fa, options_.cwd.c_str());
    }
    sigset_t defaults;
    sigfillset(&defaults);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    posix_spawnattr_setsigmask(&setup.attr, &empty);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    std::vector<char*> argv;
    argv.reserve(options_.argv.size() + 1);
    for (auto& a : options_.argv) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_entries;
    for (const auto& [k, v] : options_.env) {
        env_entries.push_back(k);
        env_entries.back().append("=").append(v);
    }
    std::vector<char*> envp;
    envp.reserve(env_entries.size() + 1);
    for (auto& e : env_entries) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    const int rc = ::posix_spawnp(&pid_, argv[0], fa, &setup.attr, argv.data(), envp.data());
    if (rc != 0) {
        pid_ = -1;
        throw std::runtime_error("starting " + options_.argv.front() + ": " +
                                 std::generic_category().message(rc));
    }
}

Process::~Process() {
    kill_tree();
}

void Process::signal(int sig) const noexcept {
    if (pid_ > 0 && !exit_) {
        ::kill(pid_, sig);
    }
}

bool Process::try_reap() noexcept {
    if (exit_) {
        return true;
    }
    int raw = 0;
    const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) {
        exit_ = decode(raw);
        return true;
    }
    if (r < 0 && errno == ECHILD) {
        exit_ = ExitInfo{};
        return true;
    }
    return false;
}

bool Process::running() {
    return pid_ > 0 && !try_reap();
}

std::optional<ExitInfo> Process::wait_exit(std::chrono::nanoseconds bound) {
    if (pid_ <= 0) {
        return std::nullopt;
    }
    if (!wait_until([this] { return try_reap(); }, bound, std::chrono::milliseconds(5))) {
        return std::nullopt;
    }
    return exit_;
}

void Process::kill_tree() noexcept {
    if (pid_ <= 0 || try_reap()) {
        return;  // reaped: its PID (and group id) may already belong to someone else
    }
    // Freeze the root so it starts nothing new, then kill its descendants (each in the process
    // group the watchdog gave it, too), then the root's own group.
    ::kill(pid_, SIGSTOP);
    for (int round = 0; round < 3; ++round) {
        const auto kids = descendants(pid_);
        if (kids.empty()) {
            break;
        }
        for (pid_t k : kids) {
            ::kill(k, SIGSTOP);
        }
        for (pid_t k : kids) {
            const pid_t group = ::getpgid(k);
            if (group > 1 && group != ::getpgrp()) {
                ::kill(-group, SIGKILL);
            }
            ::kill(k, SIGKILL);
        }
    }
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
    exit_ = decode(raw);
}

std::string Process::stdout_text() const {
    return options_.stdout_path.empty() ? std::string() : read_file(options_.stdout_path);
}

std::string Process::stderr_text() const {
    return options_.stderr_path.empty() ? std::string() : read_file(options_.stderr_path);
}

bool Process::wait_for_stderr(std::string_view needle, std::chrono::nanoseconds bound) const {
    return wait_until([&] { return stderr_text().find(needle) != std::string::npos; }, bound);
}

RunResult run(std::vector<std::string> argv, EnvMap env, std::chrono::nanoseconds bound) {
    const TempDir dir;
    ProcessOptions options;
    options.argv = std::move(argv);
    options.env = std::move(env);
    options.stdout_path = dir.file("stdout");
    options.stderr_path = dir.file("stderr");
    Process p(std::move(options));
    auto exit = p.wait_exit(bound);
    if (!exit) {
        throw std::runtime_error("command did not finish in time: " + p.stderr_text());
    }
    return RunResult{*exit, p.stdout_text(), p.stderr_text()};
}

std::vector<pid_t> descendants(pid_t root) {
    std::vector<std::pair<pid_t, pid_t>> all;  // (pid, ppid)
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const pid_t pid = std::stoi(name);
        const pid_t ppid = parent_of(pid);
        if (ppid > 0) {
            all.emplace_back(pid, ppid);
        }
    }
    std::vector<pid_t> out;
    std::vector<pid_t> frontier{root};
    while (!frontier.empty()) {
        const pid_t parent = frontier.back();
        frontier.pop_back();
        for (const auto& [pid, ppid] : all) {
            if (ppid == parent) {
                out.push_back(pid);
                frontier.push_back(pid);
            }
        }
    }
    return out;
}

bool gone(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) {
        return true;
    }
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] == 'Z' ||
           stat[close + 2] == 'X';
}

std::optional<std::uint64_t> peak_rss_kib(pid_t pid) {
    return status_field(pid, "VmHWM");
}
std::optional<std::uint64_t> rss_kib(pid_t pid) {
    return status_field(pid, "VmRSS");
}

}  // namespace faas::test
