#include "core/http/client.hpp"

#include <sys/socket.h>

#include <array>
#include <charconv>
#include <limits>

#include <boost/beast/core.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/http.hpp>

#include "core/async/async_event.hpp"
#include "core/http/body_buffer.hpp"
#include "core/http/wire.hpp"
#include "core/text/text.hpp"

namespace faas::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct ClientPool::Conn {
    explicit Conn(const asio::any_io_executor& ex) : stream(ex) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since;
};

namespace {

constexpr std::size_t kChunk = 64U * 1024U;
constexpr auto kConnectRetryDelay = std::chrono::milliseconds(10);

Error io_error(const error_code& ec, std::string_view what) {
    if (ec == beast::error::timeout) {
        return make_error(errc::timeout, std::string(what) + ": timed out");
    }
    if (ec == bhttp::error::body_limit) {
        return make_error(errc::output_too_large, std::string(what) + ": response too large");
    }
    return make_error(errc::upstream_failed, std::string(what) + ": " + ec.message());
}

// True when a pooled connection is unusable: the peer closed it or sent unsolicited bytes.
bool looks_stale(beast::tcp_stream& stream) {
    char c = 0;
    const ssize_t n = ::recv(stream.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

// Methods a client may send again after a reused connection failed before any answer: the
// server may have run a POST before the connection broke, so only these are resent.
bool safe_to_resend(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

bool is_reset_like(const error_code& ec) {
    return ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == bhttp::error::partial_message;
}

void append_request_head(std::string& out, std::string_view method, std::string_view target) {
    out += method;
    out.push_back(' ');
    out += target.empty() ? std::string_view("/") : target;
    out += " HTTP/1.1\r\n";
}

// The head of a request whose whole body is in `req.body`.
std::string buffered_request_head(const Endpoint& endpoint, const Request& req) {
    std::string head;
    append_request_head(head, req.method, req.target);
    if (!req.headers.has("Host")) {
        wire::append_header(head, "Host", endpoint.host_header());
    }
    wire::append_headers(head, req.headers, true);
    const bool send_length = !req.body.empty() || req.method == "POST" || req.method == "PUT" ||
                             req.method == "PATCH";
    if (send_length) {
        head += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
    }
    head += "\r\n";
    return head;
}

template <class Body>
Headers response_headers_of(const bhttp::response_parser<Body>& p) {
    Headers h;
    for (const auto& f : p.get()) {
        if (!is_hop_by_hop(f.name_string()) && !text::iequals(f.name_string(), "Content-Length")) {
            h.add(f.name_string(), f.value());
        }
    }
    return h;
}

}  // namespace

Result<Url> parse_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (url.substr(0, kScheme.size()) != kScheme) {
        return make_error(errc::bad_request, "unsupported URL (want http://host:port/path): " +
                                                 std::string(url));
    }
    url.remove_prefix(kScheme.size());
    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    Url out;
    out.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return make_error(errc::bad_request, "bad IPv6 address in URL");
        }
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) {
        return make_error(errc::bad_request, "URL has no host: http://" + std::string(url));
    }
    out.endpoint.host = std::string(host);
    out.endpoint.port = 80;
    if (!port.empty()) {
        unsigned p = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc{} || ptr != port.data() + port.size() || p > 65535) {
            return make_error(errc::bad_request, "bad port in URL: " + std::string(port));
        }
        out.endpoint.port = static_cast<std::uint16_t>(p);
    }
    return out;
}

ClientPool::ClientPool(asio::any_io_executor ex, ClientOptions options)
    : ex_(std::move(ex)), options_(options) {}

ClientPool::~ClientPool() = default;

std::size_t ClientPool::idle_connections() const {
    std::size_t n = 0;
    for (const auto& [k, v] : idle_) {
        n += v.size();
    }
    return n;
}

awaitable<Result<std::unique_ptr<ClientPool::Conn>>> ClientPool::acquire(
    const Endpoint& endpoint, Clock::time_point deadline, bool fresh, bool check_stale,
    bool& reused) {
    reused = false;
    if (!fresh) {
        auto it = idle_.find(endpoint.key());
        if (it != idle_.end()) {
            auto& list = it->second;
            const auto now = Clock::now();
            while (!list.empty()) {
                std::unique_ptr<Conn> c = std::move(list.back());
                list.pop_back();
                if (now - c->idle_since < options_.idle_timeout &&
                    (!check_stale || !looks_stale(c->stream))) {
                    reused = true;
                    co_return c;
                }
            }
        }
    }
    auto conn = std::make_unique<Conn>(ex_);
    error_code ec;
    const auto connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
    conn->stream.expires_at(connect_deadline);
    if (!endpoint.unix_path.empty()) {
        // A connected AF_UNIX stream socket adopted by the TCP socket type: every read and
        // write the pool does is a plain stream operation, so one Conn type serves both.
        asio::local::stream_protocol::socket local(ex_);
        co_await local.async_connect(asio::local::stream_protocol::endpoint(endpoint.unix_path),
                                     asio::redirect_error(use_awaitable, ec));
        if (ec) {
            co_return make_error(errc::connect_failed,
                                 "connecting to " + endpoint.key() + ": " + ec.message());
        }
        const int fd = local.release(ec);
        if (!ec) {
            conn->stream.socket().assign(tcp::v4(), fd, ec);
        }
        if (ec) {
            co_return make_error(errc::connect_failed,
                                 "adopting the socket of " + endpoint.key() + ": " + ec.message());
        }
        co_return conn;
    }
    const auto addr = asio::ip::make_address(endpoint.host, ec);
    if (!ec) {
        co_await conn->stream.async_connect(tcp::endpoint(addr, endpoint.port),
                                            asio::redirect_error(use_awaitable, ec));
    } else {
        tcp::resolver resolver(ex_);
        const std::string service = std::to_string(endpoint.port);  // named: core/asio.hpp
        auto results = co_await resolver.async_resolve(endpoint.host, service,
                                                       asio::redirect_error(use_awaitable, ec));
        if (ec) {
            co_return make_error(errc::connect_failed,
                                 "resolving " + endpoint.host + ": " + ec.message());
        }
        co_await conn->stream.async_connect(results, asio::redirect_error(use_awaitable, ec));
    }
    if (ec) {
        co_return make_error(errc::connect_failed,
                             "connecting to " + endpoint.key() + ": " +
                                 (ec == beast::error::timeout ? std::string("timed out") : ec.message()));
    }
    conn->stream.socket().set_option(tcp::no_delay(true), ec);
    co_return conn;
}

void ClientPool::release(const Endpoint& endpoint, std::unique_ptr<Conn> conn) {
    auto& list = idle_[endpoint.key()];
    if (list.size() >= options_.max_idle_per_host) {
        return;
    }
    conn->stream.expires_never();
    conn->idle_since = Clock::now();
    list.push_back(std::move(conn));
}

awaitable<Result<Response>> ClientPool::request(Endpoint endpoint, Request req, CallOptions options) {
    const auto deadline = Clock::now() + options.timeout;
    const std::string head = buffered_request_head(endpoint, req);
    const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(req.body)};

    for (int attempt = 0;; ++attempt) {
        bool reused = false;
        const bool safe = safe_to_resend(req.method);
        auto conn = co_await acquire(endpoint, deadline, attempt > 0, !safe, reused);
        if (!conn) {
            co_return conn.error();
        }
        auto& c = *conn.value();
        error_code ec;
        c.stream.expires_at(deadline);
        co_await asio::async_write(c.stream, out, asio::redirect_error(use_awaitable, ec));
        const bool write_failed = static_cast<bool>(ec);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(options.max_response_bytes);
        parser.header_limit(64U * 1024U);
        if (req.method == "HEAD") {
            parser.skip(true);
        }
        if (!ec) {
            co_await bhttp::async_read_header(c.stream, c.buffer, parser,
                                              asio::redirect_error(use_awaitable, ec));
        }
        // Beast 1.74 loses its own body-limit error when the head and the body arrive in one
        // read, so the declared length is checked here.
        if (!ec && parser.content_length() && *parser.content_length() > options.max_response_bytes) {
            co_return make_error(errc::output_too_large,
                                 "calling " + endpoint.key() + ": response of " +
                                     std::to_string(*parser.content_length()) +
                                     " bytes is over the limit of " +
                                     std::to_string(options.max_response_bytes));
        }
        if (!ec && !parser.is_done()) {
            detail::make_room_for_body(c.buffer, parser.content_length_remaining());
            co_await bhttp::async_read(c.stream, c.buffer, parser,
                                       asio::redirect_error(use_awaitable, ec));
        }
        if (ec) {
            if (reused && attempt == 0 && (write_failed || (safe && is_reset_like(ec))) &&
                !parser.got_some()) {
                continue;  // the peer closed the idle connection as we reused it
            }
            co_return io_error(ec, "calling " + endpoint.key());
        }
        Response res;
        res.status = static_cast<int>(parser.get().result_int());
        for (const auto& f : parser.get()) {
            res.headers.add(f.name_string(), f.value());
        }
        res.body = std::move(parser.get().body());
        if (parser.keep_alive()) {
            release(endpoint, std::move(conn.value()));
        }
        co_return res;
    }
}

awaitable<Result<Response>> ClientPool::stream(Endpoint endpoint, Request req,
                                               StreamOptions options, BodySink sink) {
    const auto head_deadline = Clock::now() + options.head_timeout;
    const std::string head = buffered_request_head(endpoint, req);
    const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(req.body)};
    bool reused = false;
    auto conn = co_await acquire(endpoint, head_deadline, true, false, reused);
    if (!conn) {
        co_return conn.error();
    }
    auto& c = *conn.value();
    error_code ec;
    c.stream.expires_at(head_deadline);
    co_await asio::async_write(c.stream, out, asio::redirect_error(use_awaitable, ec));
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64U * 1024U);
    if (req.method == "HEAD") {
        parser.skip(true);
    }
    if (!ec) {
        co_await bhttp::async_read_header(c.stream, c.buffer, parser,
                                          asio::redirect_error(use_awaitable, ec));
    }
    if (ec) {
        co_return io_error(ec, "calling " + endpoint.key());
    }
    Response res;
    res.status = static_cast<int>(parser.get().result_int());
    for (const auto& f : parser.get()) {
        res.headers.add(f.name_string(), f.value());
    }
    const bool to_sink = res.status >= 200 && res.status < 300;
    std::vector<char> buf(kChunk);
    while (!parser.is_done()) {
        parser.get().body().data = buf.data();
        parser.get().body().size = buf.size();
        if (options.idle_timeout.count() > 0) {
            c.stream.expires_after(options.idle_timeout);
        } else if (to_sink) {
            c.stream.expires_never();
        }
        // read_some, not read: async_read on a buffer_body returns only once the buffer is
        // full or the message done, which would hold back a slow stream's lines.
        detail::make_room_for_body(c.buffer, parser.content_length_remaining());
        co_await bhttp::async_read_some(c.stream, c.buffer, parser,
                                        asio::redirect_error(use_awaitable, ec));
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            co_return io_error(ec, "reading the response body from " + endpoint.key());
        }
        const std::size_t n = buf.size() - parser.get().body().size;
        if (n == 0) {
            continue;
        }
        if (!to_sink) {
            if (res.body.size() < options.max_error_bytes) {
                res.body.append(buf.data(), std::min(n, options.max_error_bytes - res.body.size()));
            }
            continue;
        }
        if (!sink(std::string_view(buf.data(), n))) {
            break;
        }
    }
    co_return res;
}

namespace {

// Copies the client's request body to the upstream as it arrives. Runs beside the response
// relay so that an upstream which answers while still reading cannot deadlock us.
awaitable<Status> pump_body(Exchange& ex, beast::tcp_stream& upstream, bool chunked,
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

}  // namespace

awaitable<Result<ForwardResult>> ClientPool::forward(Exchange& ex, const Endpoint& endpoint,
                                                     const ForwardOptions& options) {
    const auto start = Clock::now();
    const auto deadline = start + options.timeout;
    const auto length = ex.content_length();
    if (options.max_request_bytes != 0 && length && *length > options.max_request_bytes) {
        ex.close_connection();
        co_return make_error(errc::body_too_large, "request body too large");
    }
    // Small bodies of known length are read first: one write upstream, and a retry on a fresh
    // connection stays possible.
    const bool replay = options.replay_body != nullptr && options.replay_body->has_value();
    const bool no_body = !replay && ex.body_done();
    const bool buffered =
        replay || (!no_body && !ex.chunked() && length && *length <= options.buffer_limit);
    std::string own_body;
    const std::string* body_ptr = &own_body;
    if (replay) {
        body_ptr = &**options.replay_body;
    } else if (buffered) {
        auto b = co_await ex.read_body(options.buffer_limit);
        if (!b) {
            co_return b.error();
        }
        if (options.replay_body != nullptr) {
            *options.replay_body = std::move(b.value());
            body_ptr = &**options.replay_body;
        } else {
            own_body = std::move(b.value());
        }
    }
    const std::string& body = *body_ptr;
    const bool streamed = !no_body && !buffered;

    std::string head;
    append_request_head(head, ex.method(), options.target.empty() ? ex.target() : options.target);
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
    const bool chunked_up = streamed && !length;
    if (chunked_up) {
        head += "Transfer-Encoding: chunked\r\n";
    } else if (length) {
        head += "Content-Length: " + std::to_string(*length) + "\r\n";
    }
    head += "\r\n";

    const bool is_head = ex.method() == "HEAD";
    const bool safe = safe_to_resend(ex.method());
    bool write_failed = false;
    std::unique_ptr<Conn> conn;
    std::optional<bhttp::response_parser<bhttp::empty_body>> hp;
    std::optional<async::AsyncEvent> pump_done;
    Status pump_status;
    error_code ec;
    for (int attempt = 0;; ++attempt) {
        bool reused = false;
        auto acquired =
            co_await acquire(endpoint, deadline, attempt > 0, streamed || !safe, reused);
        if (!acquired) {
            if (acquired.error().code == errc::connect_failed &&
                Clock::now() + kConnectRetryDelay < std::min(deadline, start + options.connect_retry_for)) {
                asio::steady_timer delay(ex_);
                delay.expires_after(kConnectRetryDelay);
                co_await delay.async_wait(asio::redirect_error(use_awaitable, ec));
                ec = {};
                continue;
            }
            co_return acquired.error();
        }
        conn = std::move(acquired.value());
        conn->stream.expires_at(deadline);
        const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(body)};
        ec = {};
        co_await asio::async_write(conn->stream, out, asio::redirect_error(use_awaitable, ec));
        write_failed = static_cast<bool>(ec);
        if (!ec && streamed) {
            pump_done.emplace(ex_);
            asio::co_spawn(
                ex_,
                [&]() -> awaitable<void> {
                    pump_status = co_await pump_body(ex, conn->stream, chunked_up,
                                                     options.max_request_bytes);
                    if (!pump_status) {
                        // Unblock the response read: the upstream will never get the rest.
                        error_code ignored;
                        conn->stream.socket().close(ignored);
                    }
                    pump_done->notify();
                },
                asio::detached);
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
        if (ec && !streamed && reused && attempt == 0 && !hp->got_some() &&
            (write_failed || (safe && is_reset_like(ec)))) {
            continue;
        }
        break;
    }
    auto finish_pump = [&]() -> awaitable<void> {
        if (pump_done && !pump_done->is_set()) {
            if (!ex.body_done()) {
                ex.abort();  // the answer is complete; the rest of the upload has nowhere to go
            }
            error_code ignored;
            conn->stream.socket().close(ignored);
            co_await pump_done->wait();
        }
    };
    if (ec) {
        co_await finish_pump();
        if (!pump_status) {
            co_return pump_status.error();
        }
        co_return io_error(ec, "reading upstream response from " + endpoint.key());
    }

    ForwardResult result;
    result.status = static_cast<int>(hp->get().result_int());
    Headers out = response_headers_of(*hp);
    for (const auto& h : options.response_headers) {
        out.set(h.name, h.value);
    }
    if (options.duration_header) {
        const std::chrono::duration<double> took = Clock::now() - start;
        out.set("X-Duration-Seconds", text::seconds_fixed6(took.count()));
    }
    const auto upstream_length = hp->content_length();
    bool reusable = false;
    Status relay;
    // The length is worked out before the co_await: g++ 12 evaluates a conditional operator
    // inside a co_await expression wrongly (it dereferenced the empty optional of a chunked
    // response).
    std::optional<std::uint64_t> relay_length;
    if (upstream_length) {
        relay_length = *upstream_length;
    }
    if (hp->is_done() || is_head) {
        const std::optional<std::uint64_t> whole_length = relay_length.value_or(0);
        relay = co_await ex.begin_response(result.status, out, whole_length);
        if (relay) {
            relay = co_await ex.end_response();
        }
        reusable = hp->keep_alive();
    } else if (upstream_length && *upstream_length <= options.buffer_limit) {
        bhttp::response_parser<bhttp::string_body> sp(std::move(*hp));
        sp.body_limit(options.buffer_limit);
        detail::make_room_for_body(conn->buffer, sp.content_length_remaining());
        co_await bhttp::async_read(conn->stream, conn->buffer, sp,
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) {
            co_await finish_pump();
            co_return io_error(ec, "reading upstream body from " + endpoint.key());
        }
        result.response_bytes = sp.get().body().size();
        // A named value, not a braced temporary: g++ 12 destroys aggregate temporaries inside a
        // co_await expression twice (GCC PR 100611).
        Response whole;
        whole.status = result.status;
        whole.headers = std::move(out);
        whole.body = std::move(sp.get().body());
        relay = co_await ex.respond(std::move(whole));
        reusable = sp.keep_alive();
    } else {
        bhttp::response_parser<bhttp::buffer_body> bp(std::move(*hp));
        relay = co_await ex.begin_response(result.status, out, relay_length);
        std::vector<char> buf(kChunk);
        while (relay && !bp.is_done()) {
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
                relay = io_error(ec, "reading upstream body from " + endpoint.key());
                break;
            }
            const std::size_t n = buf.size() - bp.get().body().size;
            result.response_bytes += n;
            if (n > 0) {
                relay = co_await ex.write_body(std::string_view(buf.data(), n));
            }
        }
        if (relay) {
            relay = co_await ex.end_response();
        }
        reusable = relay.ok() && bp.keep_alive();
    }
    co_await finish_pump();
    if (!relay) {
        co_return relay.error();
    }
    if (reusable && (!pump_done || pump_status.ok())) {
        release(endpoint, std::move(conn));
    }
    co_return result;
}

}  // namespace faas::http
