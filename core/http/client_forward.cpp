// ClientPool::forward: relays a server Exchange to an upstream and streams the answer back.
#include <array>
#include <limits>
#include <optional>
#include <vector>

#include "core/async/async_event.hpp"
#include "core/http/body_buffer.hpp"
#include "core/http/client_conn.hpp"
#include "core/http/wire.hpp"

namespace faas::http {

namespace bhttp = boost::beast::http;
using boost::system::error_code;
using detail::io_error;
using detail::kChunk;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kConnectRetryDelay = std::chrono::milliseconds(10);

// Copies the client's request body to the upstream as it arrives. Runs beside the response
// relay so that an upstream which answers while still reading cannot deadlock us.
awaitable<Status> pump_body(Exchange& ex, ConnStream& upstream, bool chunked,
                            std::uint64_t max_bytes) {
    std::vector<char> buf(kChunk);
    std::uint64_t total = 0;
    for (;;) {
        auto n = co_await ex.read_some(std::span<char>(buf));
        if (!n) {
            co_return n.error();
        }
        error_code ec;
        if (*n == 0) {
            if (chunked) {
                co_await asio::async_write(upstream, asio::buffer("0\r\n\r\n", 5),
                                           asio::redirect_error(use_awaitable, ec));
            }
            co_return ec ? Status(io_error(ec, "sending request body")) : Status{};
        }
        total += *n;
        if (max_bytes != 0 && total > max_bytes) {
            co_return make_error(errc::body_too_large, "request body too large");
        }
        if (chunked) {
            std::string size_line;
            wire::append_chunk_size(size_line, *n);
            const std::array<asio::const_buffer, 3> bufs{
                asio::buffer(size_line), asio::buffer(buf.data(), *n), asio::buffer("\r\n", 2)};
            co_await asio::async_write(upstream, bufs, asio::redirect_error(use_awaitable, ec));
        } else {
            co_await asio::async_write(upstream, asio::buffer(buf.data(), *n),
                                       asio::redirect_error(use_awaitable, ec));
        }
        if (ec) {
            co_return io_error(ec, "sending request body");
        }
    }
}

// One forward() call, in the order its steps run: take the request body, build the upstream
// request head, connect and send until the answer's head is read, relay the answer. Lives in
// forward()'s frame, which outlives the body pump (finish_pump waits for it).
struct ForwardCall {
    ForwardCall(asio::any_io_executor io_executor,
                Exchange& e,
                const Endpoint& ep,
                const ForwardOptions& o)
        : io(std::move(io_executor)),
          ex(e),
          endpoint(ep),
          options(o),
          start(Clock::now()),
          deadline(start + o.timeout),
          length(e.content_length()),
          is_head(e.method() == "HEAD"),
          safe(detail::safe_to_resend(e.method())) {}
    ForwardCall(const ForwardCall&) = delete;
    ForwardCall& operator=(const ForwardCall&) = delete;

    awaitable<Status> take_body();
    void build_head();
    // After a refused connect: waits a moment and answers true while connect_retry_for lasts.
    awaitable<bool> retry_connect(const Error& error);
    // A reused connection the peer had closed before answering is replaced once, when the
    // request can be sent again.
    bool retry_stale(bool reused, int attempt) const;
    awaitable<void> send_on_conn();
    void spawn_pump();
    awaitable<void> finish_pump();
    awaitable<Status> relay();
    Headers answer_headers() const;
    awaitable<Status> relay_without_body(const Headers& out,
                                         const std::optional<std::uint64_t>& relay_length);
    awaitable<Status> relay_buffered(Headers& out);
    awaitable<Status> relay_streamed(const Headers& out,
                                     const std::optional<std::uint64_t>& relay_length);

    asio::any_io_executor io;
    Exchange& ex;
    const Endpoint& endpoint;
    const ForwardOptions& options;
    const Clock::time_point start;
    const Clock::time_point deadline;
    const std::optional<std::uint64_t> length;
    const bool is_head;
    const bool safe;
    bool streamed = false;
    bool chunked_up = false;
    std::string own_body;
    const std::string* body = &own_body;
    std::string head;
    bool write_failed = false;
    std::unique_ptr<ClientPool::Conn> conn;
    std::optional<bhttp::response_parser<bhttp::empty_body>> hp;
    std::optional<async::AsyncEvent> pump_done;
    Status pump_status;
    error_code ec;
    ForwardResult result;
    bool reusable = false;
};

// Small bodies of known length are read first: one write upstream, and a retry on a fresh
// connection stays possible.
awaitable<Status> ForwardCall::take_body() {
    const bool replay = options.replay_body != nullptr && options.replay_body->has_value();
    const bool no_body = !replay && ex.body_done();
    const bool buffered =
        replay || (!no_body && !ex.chunked() && length && *length <= options.buffer_limit);
    if (replay) {
        body = &**options.replay_body;
    } else if (buffered) {
        auto b = co_await ex.read_body(options.buffer_limit);
        if (!b) {
            co_return b.error();
        }
        if (options.replay_body != nullptr) {
            *options.replay_body = std::move(b.value());
            body = &**options.replay_body;
        } else {
            own_body = std::move(b.value());
        }
    }
    streamed = !no_body && !buffered;
    co_return Status{};
}

void ForwardCall::build_head() {
    detail::append_request_head(head, ex.method(),
                                options.target.empty() ? ex.target() : options.target);
    bool has_host = false;
    for (const auto& h : ex.headers()) {
        if (is_hop_by_hop(h.name) || text::iequals(h.name, "Content-Length") ||
            text::iequals(h.name, "Expect") || options.request_headers.has(h.name)) {
            continue;
        }
        has_host = has_host || text::iequals(h.name, "Host");
        wire::append_header(head, h.name, h.value);
    }
    if (!has_host && !options.request_headers.has("Host")) {
        wire::append_header(head, "Host", endpoint.host_header());
    }
    wire::append_headers(head, options.request_headers, true);
    chunked_up = streamed && !length;
    if (chunked_up) {
        head += "Transfer-Encoding: chunked\r\n";
    } else if (length) {
        head += "Content-Length: " + std::to_string(*length) + "\r\n";
    }
    head += "\r\n";
}

awaitable<bool> ForwardCall::retry_connect(const Error& error) {
    if (error.code != errc::connect_failed ||
        Clock::now() + kConnectRetryDelay >=
            std::min(deadline, start + options.connect_retry_for)) {
        co_return false;
    }
    asio::steady_timer delay(io);
    delay.expires_after(kConnectRetryDelay);
    co_await delay.async_wait(asio::redirect_error(use_awaitable, ec));
    ec = {};
    co_return true;
}

bool ForwardCall::retry_stale(bool reused, int attempt) const {
    return ec && !streamed && reused && attempt == 0 && !hp->got_some() &&
           (write_failed || (safe && detail::is_reset_like(ec)));
}

// Writes the head and a buffered body on `conn`, starts the pump of a streamed one, and reads
// the answer's head into `hp`.
awaitable<void> ForwardCall::send_on_conn() {
    conn->stream.expires_at(deadline);
    const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(*body)};
    ec = {};
    co_await asio::async_write(conn->stream, out, asio::redirect_error(use_awaitable, ec));
    write_failed = static_cast<bool>(ec);
    if (!ec && streamed) {
        spawn_pump();
    }
    hp.emplace();
    hp->body_limit(std::numeric_limits<std::uint64_t>::max());
    hp->header_limit(64U * 1024U);
    if (is_head) {
        hp->skip(true);
    }
    while (!ec) {
        co_await bhttp::async_read_header(conn->stream, conn->buffer, *hp,
                                          asio::redirect_error(use_awaitable, ec));
        // Interim 1xx answers (other than 101) are not relayed; read the real one.
        const auto code = hp->get().result_int();
        if (ec || code < 100 || code >= 200 || code == 101) {
            break;
        }
        hp.emplace();
        hp->body_limit(std::numeric_limits<std::uint64_t>::max());
    }
}

void ForwardCall::spawn_pump() {
    pump_done.emplace(io);
    asio::co_spawn(
        io,
        [this]() -> awaitable<void> {
            pump_status =
                co_await pump_body(ex, conn->stream, chunked_up, options.max_request_bytes);
            if (!pump_status) {
                // Unblock the response read: the upstream will never get the rest.
                error_code ignored;
                conn->stream.socket().close(ignored);
            }
            pump_done->notify();
        },
        asio::detached);
}

awaitable<void> ForwardCall::finish_pump() {
    if (pump_done && !pump_done->is_set()) {
        if (!ex.body_done()) {
            ex.abort();  // the answer is complete; the rest of the upload has nowhere to go
        }
        error_code ignored;
        conn->stream.socket().close(ignored);
        co_await pump_done->wait();
    }
}

Headers ForwardCall::answer_headers() const {
    Headers out = detail::response_headers_of(*hp);
    for (const auto& h : options.response_headers) {
        out.set(h.name, h.value);
    }
    if (options.duration_header) {
        const std::chrono::duration<double> took = Clock::now() - start;
        out.set("X-Duration-Seconds", text::seconds_fixed6(took.count()));
    }
    return out;
}

// The answer, relayed whole (no body, or a small one of known length) or streamed.
awaitable<Status> ForwardCall::relay() {
    result.status = static_cast<int>(hp->get().result_int());
    Headers out = answer_headers();
    const auto upstream_length = hp->content_length();
    // The length is worked out before the co_await: g++ 12 evaluates a conditional operator
    // inside a co_await expression wrongly (it dereferenced the empty optional of a chunked
    // response).
    std::optional<std::uint64_t> relay_length;
    if (upstream_length) {
        relay_length = *upstream_length;
    }
    if (hp->is_done() || is_head) {
        co_return co_await relay_without_body(out, relay_length);
    }
    if (upstream_length && *upstream_length <= options.buffer_limit) {
        co_return co_await relay_buffered(out);
    }
    co_return co_await relay_streamed(out, relay_length);
}

awaitable<Status> ForwardCall::relay_without_body(
    const Headers& out, const std::optional<std::uint64_t>& relay_length) {
    const std::optional<std::uint64_t> whole_length = relay_length.value_or(0);
    Status relayed = co_await ex.begin_response(result.status, out, whole_length);
    if (relayed) {
        relayed = co_await ex.end_response();
    }
    reusable = hp->keep_alive();
    co_return relayed;
}

awaitable<Status> ForwardCall::relay_buffered(Headers& out) {
    bhttp::response_parser<bhttp::string_body> sp(std::move(*hp));
    sp.body_limit(options.buffer_limit);
    detail::make_room_for_body(conn->buffer, sp.content_length_remaining());
    co_await bhttp::async_read(conn->stream, conn->buffer, sp,
                               asio::redirect_error(use_awaitable, ec));
    if (ec) {
        co_return io_error(ec, "reading upstream body from " + endpoint.key());
    }
    result.response_bytes = sp.get().body().size();
    // A named value, not a braced temporary: g++ 12 destroys aggregate temporaries inside a
    // co_await expression twice (GCC PR 100611).
    Response whole;
    whole.status = result.status;
    whole.headers = std::move(out);
    whole.body = std::move(sp.get().body());
    Status relayed = co_await ex.respond(std::move(whole));
    reusable = sp.keep_alive();
    co_return relayed;
}

awaitable<Status> ForwardCall::relay_streamed(
    const Headers& out, const std::optional<std::uint64_t>& relay_length) {
    bhttp::response_parser<bhttp::buffer_body> bp(std::move(*hp));
    Status relayed = co_await ex.begin_response(result.status, out, relay_length);
    std::vector<char> buf(kChunk);
    while (relayed && !bp.is_done()) {
        bp.get().body().data = buf.data();
        bp.get().body().size = buf.size();
        // A streamed body may legitimately take long (SSE): the deadline is per read.
        conn->stream.expires_after(options.timeout);
        // read_some: async_read on a buffer_body returns only once the buffer is full or the
        // message done, which would hold back a slow stream's pieces (logs, SSE).
        detail::make_room_for_body(conn->buffer, bp.content_length_remaining());
        co_await bhttp::async_read_some(conn->stream, conn->buffer, bp,
                                        asio::redirect_error(use_awaitable, ec));
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            ex.close_connection();
            relayed = io_error(ec, "reading upstream body from " + endpoint.key());
            break;
        }
        const std::size_t n = buf.size() - bp.get().body().size;
        result.response_bytes += n;
        if (n > 0) {
            relayed = co_await ex.write_body(std::string_view(buf.data(), n));
        }
    }
    if (relayed) {
        relayed = co_await ex.end_response();
    }
    reusable = relayed.ok() && bp.keep_alive();
    co_return relayed;
}

}  // namespace

awaitable<Result<ForwardResult>> ClientPool::forward(Exchange& ex, const Endpoint& endpoint,
                                                     const ForwardOptions& options) {
    ForwardCall f(ex_, ex, endpoint, options);
    if (options.max_request_bytes != 0 && f.length && *f.length > options.max_request_bytes) {
        ex.close_connection();
        co_return make_error(errc::body_too_large, "request body too large");
    }
    Status taken = co_await f.take_body();
    if (!taken) {
        co_return taken.error();
    }
    f.build_head();
    for (int attempt = 0;; ++attempt) {
        bool reused = false;
        auto acquired =
            co_await acquire(endpoint, f.deadline, attempt > 0, f.streamed || !f.safe, reused);
        if (!acquired) {
            if (co_await f.retry_connect(acquired.error())) {
                continue;
            }
            co_return acquired.error();
        }
        f.conn = std::move(acquired.value());
        co_await f.send_on_conn();
        if (!f.retry_stale(reused, attempt)) {
            break;
        }
    }
    if (f.ec) {
        co_await f.finish_pump();
        if (!f.pump_status) {
            co_return f.pump_status.error();
        }
        co_return io_error(f.ec, "reading upstream response from " + endpoint.key());
    }
    Status relayed = co_await f.relay();
    co_await f.finish_pump();
    if (!relayed) {
        co_return relayed.error();
    }
    if (f.reusable && (!f.pump_done || f.pump_status.ok())) {
        release(endpoint, std::move(f.conn));
    }
    co_return f.result;
}

}  // namespace faas::http
