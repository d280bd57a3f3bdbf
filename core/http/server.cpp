#include "core/http/server.hpp"

#include <limits>
#include <list>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/async/async_event.hpp"
#include "core/http/respond.hpp"
#include "core/http/server_exchange.hpp"
#include "core/http/wire.hpp"

namespace faas::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using detail::ServerExchange;

struct ConnRecord {
    beast::tcp_stream* stream;
    bool idle;
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
    // Answers a request whose head could not be parsed (431 or 400) before the close.
    awaitable<void> answer_bad_request(beast::tcp_stream& stream,
                                       const std::string& remote,
                                       error_code ec);
    // Runs the handler on one request; answers 500 for a handler that threw or never answered.
    awaitable<void> serve(ServerExchange& ex);
    // Reads and drops what the client still sends after our early answer, before the close.
    awaitable<void> linger(beast::tcp_stream& stream, beast::flat_buffer& buffer);
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
                co_await answer_bad_request(stream, remote, ec);
            }
            break;
        }
        ServerExchange ex(stream, buffer, parser, options, remote, stopping);
        co_await serve(ex);
        if (!ex.keep_alive()) {
            unread_body = !ex.body_done();
            break;
        }
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (unread_body) {
        co_await linger(stream, buffer);
    }
    stream.socket().close(ignored);
    conns.erase(rec);
    --owner.open_;
    check_finished();
}

awaitable<void> Server::Worker::answer_bad_request(beast::tcp_stream& stream,
                                                   const std::string& remote,
                                                   error_code ec) {
    const int status = ec == bhttp::error::header_limit ? 431 : 400;
    owner.log_->debug("bad request remote={} status={} error=\"{}\"", remote, status,
                      ec.message());
    std::string out;
    wire::append_status_line(out, 11, status);
    const std::string body = std::string(reason(status)) + ": " + ec.message() + "\n";
    out += "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    stream.expires_after(owner.options_.write_timeout);
    co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(use_awaitable, ec));
}

awaitable<void> Server::Worker::serve(ServerExchange& ex) {
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
        co_await send(ex, std::move(failed));
    } else if (!ex.response_finished()) {
        ex.close_connection();
    }
}

// Closing with unread bytes in the receive queue sends a reset, and the client's kernel may drop
// our answer (the 413) before the client reads it. Read and discard what the client is still
// sending, for a bounded time and size, before closing (as nginx's lingering close does).
awaitable<void> Server::Worker::linger(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    constexpr std::size_t kLingerBytes = std::size_t{8} * 1024U * 1024U;
    std::vector<char> sink(std::size_t{16} * 1024U);
    std::size_t drained = buffer.size();
    buffer.consume(buffer.size());
    stream.expires_after(std::chrono::seconds(1));
    error_code ignored;
    while (drained < kLingerBytes && !stopping) {
        const std::size_t n = co_await stream.async_read_some(
            asio::buffer(sink), asio::redirect_error(use_awaitable, ignored));
        if (ignored) {
            break;
        }
        drained += n;
    }
}

void Server::Worker::check_finished() {
    if (stopping && conns.empty() && !reported) {
        reported = true;
        drain_timer.cancel();
        owner.worker_finished();
    }
}

Server::Server(IoPool& pool,
               ServerOptions options,
               const HandlerFactory& factory,
               log::Logger logger)
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
