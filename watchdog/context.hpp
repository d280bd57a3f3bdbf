#pragma once
// State the request handlers share. Shared is one per process (atomics where threads meet);
// ThreadContext is one per io_context thread and never crosses threads.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/http/exchange.hpp"
#include "core/log/log.hpp"
#include "watchdog/config.hpp"
#include "watchdog/runner.hpp"

namespace faas::watchdog {

struct Shared {
    Shared(const Config& c, log::Logger l) : config(c), log(std::move(l)) {}
    const Config& config;
    log::Logger log;
    std::vector<std::string> base_env;  // the watchdog's environment, passed to functions
    http::Endpoint upstream;            // http mode
    std::string upstream_prefix;        // http mode: the upstream URL's path, without trailing '/'
    std::atomic<bool> shutting_down{false};
    std::atomic<bool> upstream_up{false};
};

struct ThreadContext {
    explicit ThreadContext(asio::io_context& context) : ioc(context) {}
    asio::io_context& ioc;
    std::unique_ptr<http::ClientPool> client;     // http mode
    std::unique_ptr<PrespawnPool> prespawn;       // prespawn > 0
};

// Per-mode request handlers. Each answers the exchange completely.
awaitable<void> handle_fork(Shared& shared, ThreadContext& ctx, http::Exchange& ex);
awaitable<void> handle_streaming(Shared& shared, ThreadContext& ctx, http::Exchange& ex);
awaitable<void> handle_http(Shared& shared, ThreadContext& ctx, http::Exchange& ex);
awaitable<void> handle_static(Shared& shared, ThreadContext& ctx, http::Exchange& ex);

// Copies a function's stdout/stderr pipe to the log line by line ("stderr: <line>" with
// prefix_logs), splitting lines longer than log_buffer_size.
awaitable<void> log_lines(asio::posix::stream_descriptor& pipe, const Shared& shared,
                          std::string_view stream_name);

// "call_id=<id> " or "" for log lines.
std::string call_id_field(const http::Exchange& ex);

}  // namespace faas::watchdog
