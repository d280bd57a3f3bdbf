#include "core/http/server.hpp"

#include <limits>
#include <list>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/async/async_event.hpp"
#include "core/http/body_buffer.hpp"
#include "core/http/wire.hpp"
#include "core/text/text.hpp"

namespace faas::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct ConnRecord {
    beast::tcp_stream* stream;
    bool idle;
};

Error stream_error(const error_code& ec, std::string_view what) {
    if (ec == beast::error::timeout) {
        return make_error(errc::timeout, std::string(what) + ": timed out");
    }
    if (ec == bhttp::error::body_limit) {
        return make_error(errc::body_too_large, "request body too large");
    }
    return make_error(errc::bad_request, std::string(what) + ": " + ec.message());
}

class ServerExchange final : public Exchange {
public:
    ServerExchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                   bhttp::request_parser<bhttp::empty_body>& parser, const ServerOptions& options,
                   const std::string& remote, const bool& stopping)
        : stream_(stream),
          buffer_(buffer),
          hp_(parser),
          head_(&parser.get().base()),
          options_(options),
          remote_(remote),
          stopping_(stopping),
          request_keep_alive_(parser.keep_alive()),
          content_length_(parser.content_length() ? std::optional<std::uint64_t>(*parser.content_length())
                                                  : std::nullopt),
          chunked_(parser.chunked()),
          head_request_(parser.get().method() == bhttp::verb::head) {}

    std::string_view method() const override { return head_->method_string(); }
    std::string_view target() const override { return head_->target(); }
    std::optional<std::string_view> header(std::string_view name) const override {
        auto it = head_->find(name);
        if (it == head_->end()) {
            return std::nullopt;
        }
        return it->value();
    }
    const Headers& headers() const override {
        if (!headers_copied_) {
            for (const auto& f : *head_) {
                headers_.add(f.name_string(), f.value());
            }
            headers_copied_ = true;
        }
        return headers_;
    }
    std::optional<std::uint64_t> content_length() const override { return content_length_; }
    bool chunked() const override { return chunked_; }
    unsigned version() const override { return head_->version(); }
    const std::string& remote_address() const override { return remote_; }

    awaitable<Result<std::string>> read_body(std::size_t limit) override {
        if (sp_ || bp_) {
            co_return make_error(errc::internal, "request body already read");
        }
        if (content_length_ && *content_length_ > limit) {
            close_ = true;
            co_return make_error(errc::body_too_large, "request body too large");
        }
        if (hp_.is_done()) {
            co_return std::string();
        }
        co_await send_continue();
        sp_.emplace(std::move(hp_));
        head_ = &sp_->get().base();
        sp_->body_limit(limit);
        error_code ec;
        stream_.expires_after(options_.read_timeout);
        detail::make_room_for_body(buffer_, sp_->content_length_remaining());
        co_await bhttp::async_read(stream_, buffer_, *sp_, asio::redirect_error(use_awaitable, ec));
        if (ec) {
            close_ = true;
            co_return stream_error(ec, "reading request body");
        }
        co_return std::move(sp_->get().body());
    }

    awaitable<Result<std::size_t>> read_some(std::span<char> buf) override {
        if (sp_) {
            co_return make_error(errc::internal, "request body already read");
        }
        if (!bp_) {
            if (hp_.is_done()) {
                co_return std::size_t{0};
            }
            co_await send_continue();
            bp_.emplace(std::move(hp_));
            head_ = &bp_->get().base();
            bp_->body_limit(std::numeric_limits<std::uint64_t>::max());
        }
        if (bp_->is_done() || buf.empty()) {
            co_return std::size_t{0};
        }
        bp_->get().body().data = buf.data();
        bp_->get().body().size = buf.size();
        error_code ec;
        stream_.expires_after(options_.read_timeout);
        detail::make_room_for_body(buffer_, bp_->content_length_remaining());
        co_await bhttp::async_read(stream_, buffer_, *bp_, asio::redirect_error(use_awaitable, ec));
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            close_ = true;
            co_return stream_error(ec, "reading request body");
        }
        co_return buf.size() - bp_->get().body().size;
    }

    bool body_done() const override {
        if (bp_) {
            return bp_->is_done();
        }
        if (sp_) {
            return sp_->is_done();
        }
        return hp_.is_done();
    }

    awaitable<Status> respond(Response r) override {
        if (started_) {
            co_return make_error(errc::internal, "response already started");
        }
        started_ = true;
        status_ = r.status;
        const bool no_body = wire::status_has_no_body(r.status);
        std::string head;
        head.reserve(256);
        wire::append_status_line(head, version(), r.status);
        wire::append_headers(head, r.headers, true);
        if (!no_body) {
            head += "Content-Length: ";
            head += std::to_string(r.body.size());
            head += "\r\n";
        }
        finish_head(head, r.headers);
        std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(r.body)};
        if (no_body || head_request_) {
            bufs[1] = asio::const_buffer();
        }
        auto st = co_await write(bufs);
        finished_ = st.ok();
        co_return st;
    }

    awaitable<Status> begin_response(int status, const Headers& headers,
                                     std::optional<std::uint64_t> length) override {
        if (started_) {
            co_return make_error(errc::internal, "response already started");
        }
        started_ = true;
        status_ = status;
        no_body_ = wire::status_has_no_body(status) || head_request_;
        std::string head;
        wire::append_status_line(head, version(), status);
        wire::append_headers(head, headers, true);
        if (!wire::status_has_no_body(status)) {
            if (length) {
                head += "Content-Length: ";
                head += std::to_string(*length);
                head += "\r\n";
                if (!no_body_) {
                    remaining_ = *length;  // HEAD: the length describes a body never sent
                }
            } else if (version() >= 11) {
                head += "Transfer-Encoding: chunked\r\n";
                chunked_out_ = true;
            } else {
                close_ = true;  // HTTP/1.0: the body ends when the connection does
            }
        }
        finish_head(head, headers);
        std::array<asio::const_buffer, 1> bufs{asio::buffer(head)};
        co_return co_await write(bufs);
    }

    awaitable<Status> write_body(std::string_view data) override {
        if (!started_ || finished_) {
            co_return make_error(errc::internal, "write_body outside a streamed response");
        }
        if (no_body_ || data.empty()) {
            co_return Status{};
        }
        if (remaining_) {
            if (data.size() > *remaining_) {
                close_ = true;
                co_return make_error(errc::internal, "body longer than its Content-Length");
            }
            *remaining_ -= data.size();
        }
        if (chunked_out_) {
            std::string size_line;
            wire::append_chunk_size(size_line, data.size());
            std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line), asio::buffer(data),
                                                   asio::buffer("\r\n", 2)};
            co_return co_await write(bufs);
        }
        std::array<asio::const_buffer, 1> bufs{asio::buffer(data)};
        co_return co_await write(bufs);
    }

    awaitable<Status> end_response() override {
        if (!started_ || finished_) {
            co_return make_error(errc::internal, "end_response outside a streamed response");
        }
        finished_ = true;
        if (remaining_ && *remaining_ != 0) {
            close_ = true;  // the client must see the body was cut short
            co_return Status{};
        }
        if (chunked_out_ && !no_body_) {
            std::array<asio::const_buffer, 1> bufs{asio::buffer("0\r\n\r\n", 5)};
            co_return co_await write(bufs);
        }
        co_return Status{};
    }

    bool response_started() const override { return started_; }
    bool response_finished() const override { return finished_; }
    int response_status() const override { return status_; }
    void close_connection() override { close_ = true; }
    void abort() override {
        close_ = true;
        error_code ignored;
        stream_.socket().close(ignored);
    }

    bool keep_alive() const {
        return !close_ && !stopping_ && request_keep_alive_ && body_done() && finished_;
    }

private:
    void finish_head(std::string& head, const Headers& headers) {
        if (!headers.has("Date")) {
            wire::append_header(head, "Date", wire::date_now());
        }
        if (!keep_alive_after_response()) {
            head += "Connection: close\r\n";
        } else if (version() == 10) {
            head += "Connection: keep-alive\r\n";
        }
        head += "\r\n";
    }

    bool keep_alive_after_response() {
        // A body the handler did not read would be parsed as the next request: close instead.
        if (!body_done()) {
            close_ = true;
        }
        return !close_ && !stopping_ && request_keep_alive_;
    }

    awaitable<void> send_continue() {
        if (continue_sent_ || version() < 11) {
            co_return;
        }
        auto expect = header("Expect");
        if (!expect || !text::iequals(*expect, "100-continue")) {
            co_return;
        }
        continue_sent_ = true;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        std::array<asio::const_buffer, 1> bufs{asio::buffer(kContinue)};
        (void)co_await write(bufs);
    }

    template <class Buffers>
    awaitable<Status> write(const Buffers& bufs) {
        error_code ec;
        stream_.expires_after(options_.write_timeout);
        co_await asio::async_write(stream_, bufs, asio::redirect_error(use_awaitable, ec));
        if (ec) {
            close_ = true;
            if (ec == beast::error::timeout) {
                co_return make_error(errc::timeout, "writing response: timed out");
            }
            co_return make_error(errc::upstream_failed, "writing response: " + ec.message());
        }
        co_return Status{};
    }

    beast::tcp_stream& stream_;
    beast::flat_buffer& buffer_;
    bhttp::request_parser<bhttp::empty_body>& hp_;
    std::optional<bhttp::request_parser<bhttp::string_body>> sp_;
    std::optional<bhttp::request_parser<bhttp::buffer_body>> bp_;
    const bhttp::request_header<>* head_;
    const ServerOptions& options_;
    const std::string& remote_;
    const bool& stopping_;
    const bool request_keep_alive_;
    const std::optional<std::uint64_t> content_length_;
    const bool chunked_;
    const bool head_request_;
    mutable Headers headers_;
    mutable bool headers_copied_ = false;
    bool continue_sent_ = false;
    bool started_ = false;
    bool finished_ = false;
    int status_ = 0;
    bool close_ = false;
    bool no_body_ = false;
    bool chunked_out_ = false;
    std::optional<std::uint64_t> remaining_;
};

bool is_parse_error(const error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

std::string endpoint_string(const tcp::socket& s) {
    error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) {
        return "unknown:0";
    }
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

struct Server::Worker {
    Worker(Server& server, asio::io_context& context, Handler h)
        : owner(server), ioc(context), handler(std::move(h)), drain_timer(context) {}

    awaitable<void> session(tcp::socket socket);
    void check_finished();

    Server& owner;
    asio::io_context& ioc;
    Handler handler;
    std::list<ConnRecord> conns;
    asio::steady_timer drain_timer;
    bool stopping = false;
    bool reported = false;
};

awaitable<void> Server::Worker::session(tcp::socket socket) {
    const ServerOptions& options = owner.options_;
    const std::string remote = endpoint_string(socket);
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    auto rec = conns.insert(conns.end(), ConnRecord{&stream, true});
    ++owner.open_;
    bool unread_body = false;  // closing before the request body was read (413, early answer)
    for (;;) {
        if (stopping) {
            break;
        }
        bhttp::request_parser<bhttp::empty_body> parser;
        parser.header_limit(options.header_limit);
        // Beast 1.74 compares the length against an empty optional as if it were 0: an unbounded
        // body must be given as the largest value, never boost::none.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        rec->idle = true;
        error_code ec;
        stream.expires_after(options.read_timeout);
        co_await bhttp::async_read_header(stream, buffer, parser,
                                          asio::redirect_error(use_awaitable, ec));
        rec->idle = false;
        if (ec) {
            if (is_parse_error(ec)) {
                const int status = ec == bhttp::error::header_limit ? 431 : 400;
                owner.log_->debug("bad request remote={} status={} error=\"{}\"", remote, status,
                                  ec.message());
                std::string out;
                wire::append_status_line(out, 11, status);
                const std::string body = std::string(reason(status)) + ": " + ec.message() + "\n";
                out += "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n";
                out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
                stream.expires_after(options.write_timeout);
                co_await asio::async_write(stream, asio::buffer(out),
                                           asio::redirect_error(use_awaitable, ec));
            }
            break;
        }
        ServerExchange ex(stream, buffer, parser, options, remote, stopping);
        std::string failure;
        try {
            co_await handler(ex);
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (!failure.empty()) {
            owner.log_->error("handler failed method={} target={} error=\"{}\"", ex.method(),
                              ex.target(), failure);
            ex.close_connection();
        }
        if (!ex.response_started()) {
            if (failure.empty()) {
                owner.log_->error("handler returned without a response method={} target={}",
                                  ex.method(), ex.target());
            }
            Response failed = text_error(500, "internal server error");  // named: core/asio.hpp
            (void)co_await ex.respond(std::move(failed));
        } else if (!ex.response_finished()) {
            ex.close_connection();
        }
        if (!ex.keep_alive()) {
            unread_body = !ex.body_done();
            break;
        }
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (unread_body) {
        // Closing with unread bytes in the receive queue sends a reset, and the client's kernel
        // may drop our answer (the 413) before the client reads it. Read and discard what the
        // client is still sending, for a bounded time and size, before closing (as nginx's
        // lingering close does).
        constexpr std::size_t kLingerBytes = 8U * 1024U * 1024U;
        std::vector<char> sink(16U * 1024U);
        std::size_t drained = buffer.size();
        buffer.consume(buffer.size());
        stream.expires_after(std::chrono::seconds(1));
        while (drained < kLingerBytes && !stopping) {
            const std::size_t n = co_await stream.async_read_some(
                asio::buffer(sink), asio::redirect_error(use_awaitable, ignored));
            if (ignored) {
                break;
            }
            drained += n;
        }
    }
    stream.socket().close(ignored);
    conns.erase(rec);
    --owner.open_;
    check_finished();
}

void Server::Worker::check_finished() {
    if (stopping && conns.empty() && !reported) {
        reported = true;
        drain_timer.cancel();
        owner.worker_finished();
    }
}

Server::Server(IoPool& pool, ServerOptions options, HandlerFactory factory, log::Logger logger)
    : pool_(pool), options_(std::move(options)), log_(std::move(logger)) {
    for (std::size_t i = 0; i < pool_.size(); ++i) {
        auto& ioc = pool_.context(i);
        workers_.push_back(std::make_unique<Worker>(*this, ioc, factory(ioc)));
    }
    auto& ioc = pool_.context(0);
    acceptor_ = std::make_unique<tcp::acceptor>(ioc);
    const tcp::endpoint ep(asio::ip::make_address(options_.address), options_.port);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_->local_endpoint().port();
}

Server::~Server() = default;

void Server::start() {
    asio::co_spawn(
        pool_.context(0),
        [this]() -> awaitable<void> {
            std::size_t next = 0;
            for (;;) {
                Worker& w = *workers_[next];
                next = (next + 1) % workers_.size();
                error_code ec;
                tcp::socket socket = co_await acceptor_->async_accept(
                    w.ioc, asio::redirect_error(use_awaitable, ec));
                if (ec) {
                    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) {
                        break;
                    }
                    // Out of descriptors and the like: back off instead of spinning.
                    log_->warn("accept failed error=\"{}\"", ec.message());
                    asio::steady_timer t(pool_.context(0));
                    t.expires_after(std::chrono::milliseconds(50));
                    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
                    continue;
                }
                socket.set_option(tcp::no_delay(true), ec);
                asio::co_spawn(w.ioc, w.session(std::move(socket)),
                               [log = log_](const std::exception_ptr& e) {
                                   if (!e) {
                                       return;
                                   }
                                   try {
                                       std::rethrow_exception(e);
                                   } catch (const std::exception& ex) {
                                       log->error("connection failed error=\"{}\"", ex.what());
                                   }
                               });
            }
        },
        asio::detached);
}

void Server::shutdown(std::chrono::nanoseconds drain, std::function<void()> done) {
    done_ = std::move(done);
    workers_running_ = workers_.size();
    asio::post(pool_.context(0), [this] {
        error_code ignored;
        acceptor_->close(ignored);
    });
    for (auto& wp : workers_) {
        Worker* w = wp.get();
        asio::post(w->ioc, [this, w, drain] {
            w->stopping = true;
            for (auto& c : w->conns) {
                if (c.idle) {
                    c.stream->cancel();
                }
            }
            w->drain_timer.expires_after(drain);
            w->drain_timer.async_wait([this, w](error_code ec) {
                if (ec) {
                    return;
                }
                if (!w->conns.empty()) {
                    log_->warn("shutdown drain deadline passed, closing connections open={}",
                               w->conns.size());
                }
                for (auto& c : w->conns) {
                    error_code ignored;
                    c.stream->socket().close(ignored);
                }
            });
            w->check_finished();
        });
    }
}

void Server::worker_finished() {
    if (--workers_running_ == 0 && done_) {
        done_();
    }
}

awaitable<void> shutdown_all(asio::any_io_executor ex, std::vector<ServerDrain> servers) {
    std::erase_if(servers, [](const ServerDrain& s) { return s.server == nullptr; });
    if (servers.empty()) {
        co_return;
    }
    async::AsyncEvent drained(ex);
    auto left = std::make_shared<std::atomic<std::size_t>>(servers.size());
    for (const auto& s : servers) {
        // `done` runs on a pool thread; the event belongs to `ex`.
        auto done = [left, ex, &drained] {
            if (--*left == 0) {
                asio::post(ex, [&drained] { drained.notify(); });
            }
        };
        s.server->shutdown(s.drain, std::move(done));
    }
    co_await drained.wait();
}

}  // namespace faas::http
