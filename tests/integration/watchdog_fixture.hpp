#pragma once
// Watchdog: one real fwatchdog (FAAS_BIN_DIR/fwatchdog) started for a test on free ports, with
// TMPDIR set to the test's own temp dir (so the lock file is per test) and stderr captured.
// The destructor kills it and everything it started. One test thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/types.hpp"
#include "core/result.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

// The binary under test; fails the test when it has not been built.
std::string fwatchdog_path();

class Watchdog {
public:
    enum class Start {
        Listening,  // wait until the HTTP port accepts connections
        LockFile,   // ... and until the lock file exists (health is 200)
        NoWait,     // return at once (start-up failures, port=0)
    };

    // Starts fwatchdog with base_env() + port/metrics_port/TMPDIR + `env` (which wins). Fails
    // the test (with the log) when the wait in `start` does not complete within kMaxWait.
    Watchdog(Start start, EnvMap env);
    // Watchdog({{"fprocess", "cat"}}): an initializer list, so that a braced list cannot also
    // read as a copy of another Watchdog.
    explicit Watchdog(std::initializer_list<EnvMap::value_type> env, Start start = Start::Listening)
        : Watchdog(start, EnvMap(env)) {}
    ~Watchdog() = default;
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t metrics_port() const noexcept { return metrics_port_; }
    const TempDir& dir() const noexcept { return *dir_; }
    Process& process() noexcept { return *process_; }
    std::filesystem::path lock_path() const { return dir_->file(".lock"); }

    // Everything fwatchdog wrote to stderr so far.
    std::string log() const { return process_->stderr_text(); }
    // The log's lines as the certifier reads them: leading digits, '/', ':' and spaces removed.
    std::vector<std::string> certifier_lines() const;
    // Waits until some log line contains every one of `parts`.
    bool wait_for_log_line(std::vector<std::string> parts,
                           std::chrono::nanoseconds bound = kMaxWait) const;

    Result<http::Response> call(std::string method,
                                std::string target,
                                std::string body = {},
                                http::Headers headers = {},
                                std::chrono::nanoseconds timeout = kMaxWait);
    Result<http::Response> get(std::string target) { return call("GET", std::move(target)); }
    Result<http::Response> post(std::string target, std::string body, http::Headers headers = {}) {
        return call("POST", std::move(target), std::move(body), std::move(headers));
    }

private:
    std::unique_ptr<TempDir> dir_;
    std::uint16_t port_ = 0;
    std::uint16_t metrics_port_ = 0;
    std::unique_ptr<Process> process_;
};

// True when `env_output` (the function's `env` output) has exactly the line `line`.
bool has_line(std::string_view env_output, std::string_view line);
// The value of NAME in `env` output, if present.
std::optional<std::string> env_value(std::string_view env_output, std::string_view name);

// A deterministic pseudo-random payload (no short period, so a shifted chunk shows).
std::string pattern(std::size_t n);
// FNV-1a of the data, for comparing large bodies in messages.
std::uint64_t fnv1a(std::string_view data);

// Writes a /bin/sh script into `dir` and returns the fprocess that runs it ("sh <path>").
std::string shell_function(const TempDir& dir, std::string_view name, std::string_view body);

}  // namespace faas::test
