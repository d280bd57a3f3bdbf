// classic and serializing modes: one process per request, the whole body on stdin, the whole
// output as the response.
#include <chrono>

#include "core/http/respond.hpp"
#include "core/http/types.hpp"
#include "core/text/text.hpp"
#include "watchdog/cgi.hpp"
#include "watchdog/context.hpp"

namespace faas::watchdog {
namespace {

bool classic_method_allowed(std::string_view m) {
    return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "GET";
}

std::string truncate_for_log(std::string_view s, std::size_t max = 4096) {
    s = text::trim(s);
    if (s.size() <= max) {
        return std::string(s);
    }
    return std::string(s.substr(0, max)) + "...(truncated)";
}

process::SpawnOptions spawn_options(const Shared& shared) {
    const Config& c = shared.config;
    process::SpawnOptions o;
    o.argv = c.argv;
    o.in = process::Stdio::Pipe;
    o.out = process::Stdio::Pipe;
    o.err = c.combine_output ? process::Stdio::ToStdout : process::Stdio::Pipe;
    return o;
}

// The process for one call: the one started ahead of time, or a new one.
awaitable<Result<process::Child>> start_process(const Shared& shared,
                                                ThreadContext& ctx,
                                                const http::Exchange& ex,
                                                bool classic) {
    const Config& c = shared.config;
    Result<process::Child> child = make_error(errc::internal);
    if (ctx.prespawn) {
        child = ctx.prespawn->take();
    } else {
        process::SpawnOptions o = spawn_options(shared);
        o.env = shared.base_env;
        if (c.cgi_headers) {
            append_cgi_env(o.env, ex, CgiOptions{classic});
        }
        child = process::Child::spawn(co_await asio::this_coro::executor, o);
    }
    co_return child;
}

// The answer for the process's run: a timeout (408 in classic mode), output over the limit,
// the function's failure, or its output.
http::Response run_answer(const Shared& shared,
                          const http::Exchange& ex,
                          RunResult& run,
                          const std::string& call_id,
                          bool classic,
                          std::chrono::duration<double> took) {
    const Config& c = shared.config;
    http::Response res;
    if (run.timed_out) {
        shared.log->warn("Killing process: {} {}exec_timeout={}s", c.fprocess, call_id,
                         std::chrono::duration<double>(c.exec_timeout).count());
        if (classic) {
            res = http::text_error(408, "Killed process.");
        } else {
            res = http::text_error(504, "Function timed out after " +
                                            text::seconds_fixed6(took.count()) + "s");
            res.headers.set("X-OpenFaaS-Internal", "of-watchdog");
        }
    } else if (run.output_too_large) {
        shared.log->error("function output exceeded max_output_size {}limit={}", call_id,
                          c.max_output_size);
        res = http::text_error(500, "function output exceeded max_output_size (" +
                                        std::to_string(c.max_output_size) + " bytes)");
    } else if (!run.status.success()) {
        shared.log->error("function failed {}status=\"{}\" output=\"{}\"", call_id,
                          run.status.describe(),
                          truncate_for_log(run.stderr_text.empty() ? run.output : run.stderr_text));
        res.status = 500;
        res.headers.set("Content-Type", "text/plain; charset=utf-8");
        res.body = run.status.describe() + "\n" + run.output;
    } else {
        res.status = 200;
        if (c.content_type) {
            res.headers.set("Content-Type", *c.content_type);
        } else if (auto ct = ex.header("Content-Type"); ct && !ct->empty()) {
            res.headers.set("Content-Type", *ct);
        }
        res.body = std::move(run.output);
        if (c.write_debug) {
            std::fwrite(res.body.data(), 1, res.body.size(), stdout);
            std::fflush(stdout);
            shared.log->info("Duration: {}s", text::seconds_fixed6(took.count()));
        } else {
            shared.log->info("Wrote {} Bytes - Duration: {}s", res.body.size(),
                             text::seconds_fixed6(took.count()));
        }
    }
    res.headers.set("X-Duration-Seconds", text::seconds_fixed6(took.count()));
    return res;
}

}  // namespace

awaitable<void> handle_fork(Shared& shared, ThreadContext& ctx, http::Exchange& ex) {
    const Config& c = shared.config;
    const bool classic = c.mode == Mode::Classic;
    if (classic && !classic_method_allowed(ex.method())) {
        http::Response res = http::text_error(405, "Method not allowed");
        co_await http::send(ex, std::move(res));
        co_return;
    }
    const std::string call_id = call_id_field(ex);
    shared.log->info("Forking fprocess.");

    auto body = co_await ex.read_body(c.max_request_size == 0 ? SIZE_MAX : c.max_request_size);
    if (!body) {
        const int status = http_status(body.error().code);
        shared.log->warn("request body rejected {}status={} error=\"{}\"", call_id, status,
                         body.error().what());
        // The message as a named local: g++ 12 destroyed the string temporaries of a conditional
        // inside the co_await expression twice (a double free on every 413).
        std::string message = body.error().what();
        if (status == 413) {
            message = "Request body too large: the limit (max_request_size) is " +
                      std::to_string(c.max_request_size) + " bytes";
        }
        http::Response res = http::text_error(status, message);
        co_await http::send(ex, std::move(res));
        co_return;
    }
    std::string input =
        c.marshal_request ? marshal_request(ex, body.value()) : std::move(body.value());

    const auto start = std::chrono::steady_clock::now();
    Result<process::Child> child = co_await start_process(shared, ctx, ex, classic);
    if (!child) {
        shared.log->error("could not start fprocess {}fprocess=\"{}\" error=\"{}\"", call_id,
                          c.fprocess, child.error().what());
        http::Response res = http::text_error(500, child.error().what());
        co_await http::send(ex, std::move(res));
        co_return;
    }

    RunLimits limits;
    limits.exec_timeout = c.exec_timeout;
    limits.max_output = c.max_output_size;
    limits.max_stderr = c.log_buffer_size;
    RunResult run = co_await drive(child.value(), std::move(input), limits);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

    if (!run.stderr_text.empty()) {
        shared.log->info("stderr: {}", truncate_for_log(run.stderr_text, c.log_buffer_size));
    }
    http::Response res = run_answer(shared, ex, run, call_id, classic, took);
    co_await http::send(ex, std::move(res));
    if (ctx.prespawn) {
        ctx.prespawn->refill();
    }
}

}  // namespace faas::watchdog
