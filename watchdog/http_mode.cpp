// http mode: every request is reverse-proxied to the function's own HTTP server over pooled
// keep-alive connections; method, path, query, headers, status and body pass through.
#include <chrono>

#include "core/config/env.hpp"
#include "core/http/respond.hpp"
#include "core/text/text.hpp"
#include "watchdog/context.hpp"

namespace faas::watchdog {

namespace {

// The exec timeout (a day when unset); of-watchdog: X-Timeout may shorten, never extend, it.
std::chrono::nanoseconds call_timeout(const Config& c, const http::Exchange& ex) {
    auto timeout = c.exec_timeout.count() > 0 ? c.exec_timeout
                                              : std::chrono::nanoseconds(std::chrono::hours(24));
    if (auto xt = ex.header("X-Timeout")) {
        if (auto d = config::parse_go_duration(*xt); d && d->count() > 0 && *d < timeout) {
            timeout = *d;
        }
    }
    return timeout;
}

http::ForwardOptions forward_options(const Shared& shared,
                                     const http::Exchange& ex,
                                     std::chrono::nanoseconds timeout) {
    http::ForwardOptions opts;
    if (!shared.upstream_prefix.empty()) {
        opts.target = shared.upstream_prefix + std::string(ex.target());
    }
    opts.timeout = timeout;
    opts.duration_header = true;
    opts.max_request_bytes = shared.config.max_request_size;
    // While the server restarts, hold the call instead of failing it.
    opts.connect_retry_for = timeout;
    return opts;
}

// The answer when the upstream could not be reached or did not answer in time.
http::Response failure_answer(const Shared& shared, const http::Exchange& ex, const Error& error) {
    const auto code = error.code;
    http::Response res;
    if (code == errc::timeout) {
        res = http::text_error(504, "Timeout from upstream: " + error.what());
    } else if (code == errc::body_too_large) {
        res = http::text_error(413, "Request body too large: the limit (max_request_size) is " +
                                        std::to_string(shared.config.max_request_size) + " bytes");
    } else {
        res = http::text_error(500, "Error from upstream: " + error.what());
    }
    if (code != errc::body_too_large) {
        res.headers.set("X-OpenFaaS-Internal", "of-watchdog");
        shared.log->error("upstream request failed {}status={} error=\"{}\"", call_id_field(ex),
                          res.status, error.what());
    }
    return res;
}

void log_call(const Shared& shared,
              const http::Exchange& ex,
              int status,
              std::uint64_t bytes,
              std::chrono::steady_clock::time_point start) {
    if (shared.log->should_log(spdlog::level::info)) {
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        if (shared.config.log_callid) {
            shared.log->info("{} {} - {} - ContentLength: {} ({:.4f}s) [{}]", ex.method(),
                             ex.target(), status, text::human_bytes(bytes), took.count(),
                             ex.header("X-Call-Id").value_or(""));
        } else {
            shared.log->info("{} {} - {} - ContentLength: {} ({:.4f}s)", ex.method(), ex.target(),
                             status, text::human_bytes(bytes), took.count());
        }
    }
}

}  // namespace

awaitable<void> handle_http(Shared& shared, ThreadContext& ctx, http::Exchange& ex) {
    const auto start = std::chrono::steady_clock::now();
    const http::ForwardOptions opts = forward_options(shared, ex, call_timeout(shared.config, ex));
    auto r = co_await ctx.client->forward(ex, shared.upstream, opts);
    int status = 0;
    std::uint64_t bytes = 0;
    if (r) {
        status = r->status;
        bytes = r->response_bytes;
    } else if (ex.response_started()) {
        status = 0;
        shared.log->error("upstream failed mid-response {}error=\"{}\"", call_id_field(ex),
                          r.error().what());
    } else {
        http::Response res = failure_answer(shared, ex, r.error());
        status = res.status;
        bytes = res.body.size();
        co_await http::send(ex, std::move(res));
    }
    log_call(shared, ex, status, bytes, start);
}

}  // namespace faas::watchdog
