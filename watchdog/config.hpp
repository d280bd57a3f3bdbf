#pragma once
// The watchdog's configuration, read from the OpenFaaS classic/of-watchdog environment
// contract (docs/watchdog.md). load() throws config::ConfigError on a value that cannot work.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config/env.hpp"

namespace faas::watchdog {

enum class Mode { Classic, Serializing, Streaming, Http, Static };

const char* mode_name(Mode m) noexcept;

struct Config {
    Mode mode = Mode::Classic;
    std::string fprocess;               // as configured
    std::vector<std::string> argv;      // fprocess split on single spaces
    std::string upstream_url;           // http mode
    std::string static_path = "/home/app/public";
    // The address the function port listens on. A pod has its own network namespace, so 0.0.0.0
    // is right there; the Kubernetes stand-in runs many pods on one machine, each on 127.0.1.N.
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 8080;
    int metrics_port = 8081;            // -1: disabled, 0: any free port
    std::chrono::nanoseconds read_timeout = std::chrono::seconds(30);
    std::chrono::nanoseconds write_timeout = std::chrono::seconds(30);
    std::chrono::nanoseconds exec_timeout{0};  // 0: none
    std::chrono::nanoseconds healthcheck_interval = std::chrono::seconds(30);
    bool write_debug = false;
    bool combine_output = true;
    std::optional<std::string> content_type;
    bool marshal_request = false;
    bool cgi_headers = true;
    std::uint64_t max_inflight = 0;
    bool suppress_lock = false;
    bool prefix_logs = true;
    std::size_t log_buffer_size = std::size_t{64} * 1024U;
    std::string ready_path;
    std::uint64_t max_request_size = 0;  // 0: unlimited
    std::uint64_t max_output_size = 0;   // 0: unlimited
    std::size_t prespawn = 0;
    std::size_t threads = 1;
    std::string log_level = "info";
    bool log_callid = false;
    std::string lock_path;

    // classic and serializing buffer the body and fork per request
    bool forks_per_request() const { return mode == Mode::Classic || mode == Mode::Serializing; }
};

Config load(const config::Env& env);

}  // namespace faas::watchdog
