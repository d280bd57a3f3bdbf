#include "tests/integration/watchdog_fixture.hpp"

#include <sstream>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"

#ifndef FAAS_BIN_DIR
#error "FAAS_BIN_DIR must name the directory holding fwatchdog"
#endif

namespace faas::test {

std::string fwatchdog_path() {
    const std::string path = std::string(FAAS_BIN_DIR) + "/fwatchdog";
    if (!std::filesystem::exists(path)) {
        FAIL("fwatchdog is not built: " << path << " is missing (ninja fwatchdog)");
    }
    return path;
}

Watchdog::Watchdog(Start start, EnvMap env) : dir_(std::make_unique<TempDir>()) {
    EnvMap full = base_env();
    port_ = free_port();
    metrics_port_ = free_port();
    full["port"] = std::to_string(port_);
    full["metrics_port"] = std::to_string(metrics_port_);
    full["TMPDIR"] = dir_->str();
    for (auto& [k, v] : env) {
        full[k] = v;
    }
    if (full["port"] != std::to_string(port_)) {
        port_ = 0;  // the test chose the port (port=0): it reads it from the log
    }
    ProcessOptions options;
    options.argv = {fwatchdog_path()};
    options.env = std::move(full);
    options.stdout_path = dir_->file("fwatchdog.stdout");
    options.stderr_path = dir_->file("fwatchdog.stderr");
    process_ = std::make_unique<Process>(std::move(options));
    if (start == Start::NoWait) {
        return;
    }
    const bool up = wait_until([this] { return !process_->running() || port_accepts(port_); });
    if (!up || !process_->running()) {
        FAIL("fwatchdog did not start listening on port " << port_ << "; log:\n" << log());
    }
    if (start == Start::LockFile) {
        if (!wait_until([this] { return std::filesystem::exists(lock_path()); })) {
            FAIL("fwatchdog wrote no lock file at " << lock_path() << "; log:\n" << log());
        }
    }
}

std::vector<std::string> Watchdog::certifier_lines() const {
    std::vector<std::string> out;
    std::istringstream in(log());
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of("0123456789/: ");
        out.push_back(first == std::string::npos ? std::string() : line.substr(first));
    }
    return out;
}

bool Watchdog::wait_for_log_line(std::vector<std::string> parts,
                                 std::chrono::nanoseconds bound) const {
    return wait_until(
        [&] {
            std::istringstream in(log());
            std::string line;
            while (std::getline(in, line)) {
                bool all = true;
                for (const auto& p : parts) {
                    all = all && line.find(p) != std::string::npos;
                }
                if (all) {
                    return true;
                }
            }
            return false;
        },
        bound);
}

Result<http::Response> Watchdog::call(std::string method,
                                      std::string target,
                                      std::string body,
                                      http::Headers headers,
                                      std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = std::move(headers);
    return http_call(port_, std::move(req), timeout);
}

bool has_line(std::string_view env_output, std::string_view line) {
    std::size_t pos = 0;
    while (pos <= env_output.size()) {
        const auto end = env_output.find('\n', pos);
        const auto l = env_output.substr(
            pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (l == line) {
            return true;
        }
        if (end == std::string_view::npos) {
            break;
        }
        pos = end + 1;
    }
    return false;
}

std::optional<std::string> env_value(std::string_view env_output, std::string_view name) {
    const std::string prefix = std::string(name) + "=";
    std::istringstream in{std::string(env_output)};
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(prefix)) {
            return line.substr(prefix.size());
        }
    }
    return std::nullopt;
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    std::uint32_t x = 2463534242U;
    for (auto& c : s) {
        x ^= x << 13U;
        x ^= x >> 17U;
        x ^= x << 5U;
        c = static_cast<char>(x & 0xFFU);
    }
    return s;
}

std::uint64_t fnv1a(std::string_view data) {
    std::uint64_t h = 14695981039346656037ULL;
    for (char c : data) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

std::string shell_function(const TempDir& dir, std::string_view name, std::string_view body) {
    const auto path = dir.write(name, "#!/bin/sh\n" + std::string(body));
    return "sh " + path.string();
}

}  // namespace faas::test
