#pragma once
// Platform: `faas up` started for a test as a user starts it (FAAS_BIN_DIR/faas up --port <free>
// --state-dir <tmp> --stack <file>), with stdout/stderr captured, plus a way to run the faas CLI
// against it. The destructor kills faas up and everything it started. One test thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/http/types.hpp"
#include "core/result.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {

// Bounds for the whole platform: starting it and deploying (under ASan) takes seconds.
inline constexpr std::chrono::seconds kUpBound{120};

std::string faas_path();

struct CliResult {
    int code = -1;
    std::string out;
    std::string err;
};

class Platform {
public:
    // Starts faas up with `stack` (empty: --no-examples) and waits until it printed "faas is up."
    // Fails the test (with faas up's output) when it does not within kUpBound.
    explicit Platform(const std::filesystem::path& stack, EnvMap extra_env = {});
    ~Platform();
    Platform(const Platform&) = delete;
    Platform& operator=(const Platform&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    Process& process() noexcept { return *up_; }
    const TempDir& dir() const noexcept { return dir_; }
    std::string output() const { return up_->stdout_text() + up_->stderr_text(); }

    // Runs `faas <args> -g <url>` with `stdin_text` on stdin.
    CliResult cli(std::vector<std::string> args, const std::string& stdin_text = "") const;
    // One HTTP call to the gateway.
    Result<http::Response> call(std::string method,
                                std::string target,
                                std::string body = {},
                                http::Headers headers = {}) const;

private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<Process> up_;
};

// A descendant of `parent` whose /proc comm is `name` ("queue-worker"), or -1.
pid_t child_named(pid_t parent, const std::string& name);

// The line of `text` that starts with `prefix`, or "".
std::string line_starting(const std::string& text, const std::string& prefix);
// Whitespace-separated fields of a line.
std::vector<std::string> fields(const std::string& line);

}  // namespace faas::test
