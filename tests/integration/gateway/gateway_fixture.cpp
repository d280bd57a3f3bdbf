#include "tests/integration/gateway/gateway_fixture.hpp"

#include <filesystem>
#include <sstream>

#include <doctest/doctest.h>

#ifndef FAAS_BIN_DIR
#error "FAAS_BIN_DIR must name the directory holding gateway, faas-provider and fwatchdog"
#endif

namespace faas::test {

std::string gateway_path() {
    const std::string path = std::string(FAAS_BIN_DIR) + "/gateway";
    if (!std::filesystem::exists(path)) {
        FAIL("gateway is not built: " << path << " is missing");
    }
    return path;
}

namespace {

// "... key=123 ..." -> 123, or 0.
std::uint16_t number_after(const std::string& text, const std::string& key) {
    const auto at = text.find(key);
    if (at == std::string::npos) {
        return 0;
    }
    return static_cast<std::uint16_t>(std::stoul(text.substr(at + key.size())));
}

}  // namespace

Gateway::Gateway(std::uint16_t provider_port, EnvMap env) : dir_(std::make_unique<TempDir>()) {
    EnvMap full = base_env();
    full["port"] = "0";
    full["metrics_port"] = "0";
    full["bind_address"] = "127.0.0.1";
    full["functions_provider_url"] = "http://127.0.0.1:" + std::to_string(provider_port) + "/";
    full["log_level"] = "debug";
    for (auto& [k, v] : env) {
        full[k] = v;
    }
    ProcessOptions options;
    options.argv = {gateway_path()};
    options.env = std::move(full);
    options.stderr_path = dir_->file("gateway.stderr");
    options.stdout_path = dir_->file("gateway.stdout");
    process_ = std::make_unique<Process>(std::move(options));
    if (!process_->wait_for_stderr("listening port=")) {
        FAIL("gateway did not start; log:\n" << log());
    }
    const std::string text = log();
    const auto line_start = text.find("listening port=");
    const std::string line = text.substr(line_start, text.find('\n', line_start) - line_start);
    port_ = number_after(line, "listening port=");
    metrics_port_ = number_after(line, "metrics_port=");
    REQUIRE_MESSAGE(port_ != 0, "no port in: " << line);
    REQUIRE_MESSAGE(metrics_port_ != 0, "no metrics port in: " << line);
}

Gateway::~Gateway() {
    if (process_) {
        process_->kill_tree();
    }
}

Result<http::Response> Gateway::call(std::string method, std::string target, std::string body,
                                     http::Headers headers, std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = std::move(headers);
    return client_.call(port_, std::move(req), timeout);
}

std::string Gateway::metrics() {
    auto r = http_get(metrics_port_, "/metrics");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    return r->body;
}

std::string header_of(const http::Response& r, std::string_view name) {
    return std::string(r.headers.get(name).value_or(""));
}

std::string env_line(std::string_view env_output, std::string_view name) {
    std::istringstream in{std::string(env_output)};
    std::string line;
    const std::string prefix = std::string(name) + "=";
    while (std::getline(in, line)) {
        if (line.starts_with(prefix)) {
            return line.substr(prefix.size());
        }
    }
    return "";
}

double metric_value(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(series + " ")) {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return -1;
}

bool has_series(const std::string& text, const std::string& name,
                std::initializer_list<std::string_view> parts) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with(name + "{")) {
            continue;
        }
        bool all = true;
        for (auto p : parts) {
            all = all && line.find(p) != std::string::npos;
        }
        if (all) {
            return true;
        }
    }
    return false;
}

}  // namespace faas::test
