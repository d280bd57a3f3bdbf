// streaming mode: the request body is piped into the process as it arrives and its stdout is
// streamed back as it is produced, so neither is ever held whole in memory.
#include <chrono>
#include <csignal>
#include <vector>

#include "core/async/async_event.hpp"
#include "core/http/respond.hpp"
#include "core/text/text.hpp"
#include "watchdog/cgi.hpp"
#include "watchdog/context.hpp"

namespace faas::watchdog {
namespace {

using boost::system::error_code;
constexpr std::size_t kChunk = std::size_t{64} * 1024U;

// Copies the request body into the process's stdin, then closes it.
awaitable<Status> pump_stdin(http::Exchange& ex, process::Child& child, std::uint64_t limit) {
    std::vector<char> buf(kChunk);
    std::uint64_t total = 0;
    Status result;
    while (child.stdin_pipe()) {
        auto n = co_await ex.read_some(std::span<char>(buf));
        if (!n) {
            result = n.error();
            break;
        }
        if (*n == 0) {
            break;
        }
        total += *n;
        if (limit != 0 && total > limit) {
            result = make_error(errc::body_too_large, "request body too large");
            break;
        }
        error_code ec;
        co_await asio::async_write(*child.stdin_pipe(), asio::buffer(buf.data(), *n),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) {
            break;  // the function stopped reading: its exit status will tell
        }
    }
    child.close_stdin();
    co_return result;
}

// One call in streaming mode: the process, its timeout, the pumps beside the stdout relay, and
// what happened, for the answer. Lives in handle_streaming's frame, which waits for the pumps.
struct StreamCall {
    StreamCall(Shared& s,
               http::Exchange& e,
               process::Child& ch,
               std::string id,
               const asio::any_io_executor& executor)
        : shared(s),
          c(s.config),
          ex(e),
          child(ch),
          call_id(std::move(id)),
          timer(executor),
          pump_done(executor),
          stderr_done(executor) {
        state->child = &child;
    }
    StreamCall(const StreamCall&) = delete;
    StreamCall& operator=(const StreamCall&) = delete;

    void arm_timeout();
    // The request body into stdin, and stderr into the log, each beside the stdout relay.
    void start_pumps(const asio::any_io_executor& executor);
    // stdout to the client as it comes; the 200 is committed on the first byte.
    awaitable<void> relay_stdout();
    // The answer of a call whose response has not started: what went wrong, or an empty 200.
    http::Response unstarted_answer(const process::ExitStatus& status,
                                    std::chrono::duration<double> took);
    awaitable<void> answer(const process::ExitStatus& status, std::chrono::duration<double> took);

    Shared& shared;
    const Config& c;
    http::Exchange& ex;
    process::Child& child;
    const std::string call_id;
    const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::shared_ptr<TimeoutState> state = std::make_shared<TimeoutState>();
    asio::steady_timer timer;
    async::AsyncEvent pump_done;
    Status pump_status;
    async::AsyncEvent stderr_done;
    http::Headers headers;
    std::uint64_t written = 0;
    bool output_too_large = false;
    bool client_gone = false;
};

void StreamCall::arm_timeout() {
    watchdog::arm_timeout(timer, state, c.exec_timeout);
}

void StreamCall::start_pumps(const asio::any_io_executor& executor) {
    asio::co_spawn(
        executor,
        [this]() -> awaitable<void> {
            pump_status = co_await pump_stdin(ex, child, c.max_request_size);
            if (!pump_status) {
                child.signal_group(SIGKILL);
            }
            pump_done.notify();
        },
        asio::detached);
    asio::co_spawn(
        executor,
        [this]() -> awaitable<void> {
            co_await log_lines(*child.stderr_pipe(), shared, "stderr");
            stderr_done.notify();
        },
        asio::detached);
}

awaitable<void> StreamCall::relay_stdout() {
    headers.set("Content-Type", c.content_type.value_or("application/octet-stream"));
    std::vector<char> buf(kChunk);
    for (;;) {
        error_code e;
        const std::size_t n = co_await child.stdout_pipe()->async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, e));
        if (e) {
            break;
        }
        if (c.max_output_size != 0 && written + n > c.max_output_size) {
            output_too_large = true;
            child.signal_group(SIGKILL);
            break;
        }
        if (!ex.response_started()) {
            // Committed on the first byte: the status cannot change after this.
            if (!co_await ex.begin_response(200, headers, std::nullopt)) {
                client_gone = true;
                child.signal_group(SIGKILL);
                break;
            }
        }
        if (!co_await ex.write_body(std::string_view(buf.data(), n))) {
            client_gone = true;
            child.signal_group(SIGKILL);
            break;
        }
        written += n;
    }
}

http::Response StreamCall::unstarted_answer(const process::ExitStatus& status,
                                            std::chrono::duration<double> took) {
    http::Response res;
    if (!pump_status && pump_status.error().code == errc::body_too_large) {
        res = http::text_error(413, "Request body too large: the limit (max_request_size) is " +
                                        std::to_string(c.max_request_size) + " bytes");
    } else if (state->fired) {
        shared.log->warn("Killing process: {} {}exec_timeout={}s", c.fprocess, call_id,
                         std::chrono::duration<double>(c.exec_timeout).count());
        res = http::text_error(504, "Function timed out after " +
                                        text::seconds_fixed6(took.count()) + "s");
        res.headers.set("X-OpenFaaS-Internal", "of-watchdog");
    } else if (output_too_large) {
        res = http::text_error(500, "function output exceeded max_output_size (" +
                                        std::to_string(c.max_output_size) + " bytes)");
    } else if (!status.success()) {
        shared.log->error("function failed {}status=\"{}\"", call_id, status.describe());
        res = http::text_error(500, status.describe());
    } else {
        res.status = 200;
        res.headers = headers;
    }
    return res;
}

awaitable<void> StreamCall::answer(const process::ExitStatus& status,
                                   std::chrono::duration<double> took) {
    if (client_gone) {
        shared.log->warn("client went away {}bytes={}", call_id, written);
    } else if (!ex.response_started()) {
        http::Response res = unstarted_answer(status, took);
        res.headers.set("X-Duration-Seconds", text::seconds_fixed6(took.count()));
        co_await http::send(ex, std::move(res));
    } else if (state->fired || output_too_large || !status.success() || !pump_status) {
        // 200 is already on the wire: end without the final chunk so the client sees a cut body.
        shared.log->error("function failed after streaming {}status=\"{}\" timed_out={} "
                          "output_too_large={} bytes={}",
                          call_id, status.describe(), state->fired, output_too_large, written);
        ex.close_connection();
    } else {
        (void)co_await ex.end_response();
        shared.log->info("Wrote {} Bytes - Duration: {}s", written,
                         text::seconds_fixed6(took.count()));
    }
}

}  // namespace

awaitable<void> handle_streaming(Shared& shared, ThreadContext& /*ctx*/, http::Exchange& ex) {
    const Config& c = shared.config;
    const std::string call_id = call_id_field(ex);
    auto executor = co_await asio::this_coro::executor;
    if (c.max_request_size != 0 && ex.content_length() &&
        *ex.content_length() > c.max_request_size) {
        http::Response res = http::text_error(
            413, "Request body too large: the limit (max_request_size) is " +
                     std::to_string(c.max_request_size) + " bytes");
        co_await http::send(ex, std::move(res));
        co_return;
    }
    process::SpawnOptions o;
    o.argv = c.argv;
    o.env = shared.base_env;
    if (c.cgi_headers) {
        append_cgi_env(o.env, ex, CgiOptions{false});
    }
    auto spawned = process::Child::spawn(executor, o);
    if (!spawned) {
        shared.log->error("could not start fprocess {}fprocess=\"{}\" error=\"{}\"", call_id,
                          c.fprocess, spawned.error().what());
        http::Response res = http::text_error(500, spawned.error().what());
        co_await http::send(ex, std::move(res));
        co_return;
    }
    process::Child& child = spawned.value();
    StreamCall call(shared, ex, child, call_id, executor);
    call.arm_timeout();
    call.start_pumps(executor);
    co_await call.relay_stdout();
    const process::ExitStatus status = co_await child.wait();
    call.state->done = true;
    call.timer.cancel();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - call.start;
    if (!ex.body_done() && !call.pump_done.is_set()) {
        // The function finished without consuming the whole body; drop the rest with the
        // connection once the answer is out.
        ex.close_connection();
    }
    co_await call.answer(status, took);
    if (!call.pump_done.is_set()) {
        ex.abort();
    }
    co_await call.pump_done.wait();
    co_await call.stderr_done.wait();
}

}  // namespace faas::watchdog
