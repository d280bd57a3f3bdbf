#pragma once
// Internal to core/http's client units (client.cpp, client_stream.cpp, client_forward.cpp): the
// pooled connection and the helpers the buffered, streamed and forwarded calls share. Includes
// Beast and OpenSSL: never include it outside core/http.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/http/client.hpp"
#include "core/http/tls_context.hpp"
#include "core/text/text.hpp"

namespace faas::http {

// A client connection's byte stream: plain TCP, or TLS over TCP, fixed when it is made. Beast's
// HTTP reads and writes take this one type, so each is compiled once; only the byte-level
// read_some/write_some choose between the two at run time. Timeouts and the socket are the
// TCP layer's, which TLS records travel over too.
class ConnStream {
public:
    using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
    using executor_type = boost::beast::tcp_stream::executor_type;

    ConnStream(const asio::any_io_executor& ex, const TlsContext* tls) {
        if (tls != nullptr) {
            tls_.emplace(ex, tls->ssl);
        } else {
            plain_.emplace(ex);
        }
    }

    executor_type get_executor() noexcept { return tcp().get_executor(); }
    boost::beast::tcp_stream& tcp() noexcept { return tls_ ? tls_->next_layer() : *plain_; }
    // The TLS layer, or null on a plain connection.
    TlsStream* tls() noexcept { return tls_ ? &*tls_ : nullptr; }

    void expires_at(std::chrono::steady_clock::time_point t) { tcp().expires_at(t); }
    template <class Duration>
    void expires_after(Duration d) {
        tcp().expires_after(d);
    }
    void expires_never() { tcp().expires_never(); }
    asio::ip::tcp::socket& socket() noexcept { return tcp().socket(); }

    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return asio::async_initiate<Handler, void(boost::system::error_code, std::size_t)>(
            Initiate<true>{this}, handler, buffers);
    }
    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return asio::async_initiate<Handler, void(boost::system::error_code, std::size_t)>(
            Initiate<false>{this}, handler, buffers);
    }

private:
    template <bool Read>
    struct Initiate {
        ConnStream* self;
        template <class Handler, class Buffers>
        void operator()(Handler&& handler, const Buffers& buffers) const {
            if constexpr (Read) {
                if (self->tls_) {
                    self->tls_->async_read_some(buffers, std::forward<Handler>(handler));
                } else {
                    self->plain_->async_read_some(buffers, std::forward<Handler>(handler));
                }
            } else {
                if (self->tls_) {
                    self->tls_->async_write_some(buffers, std::forward<Handler>(handler));
                } else {
                    self->plain_->async_write_some(buffers, std::forward<Handler>(handler));
                }
            }
        }
    };

    std::optional<boost::beast::tcp_stream> plain_;
    std::optional<TlsStream> tls_;
};

struct ClientPool::Conn {
    Conn(const asio::any_io_executor& ex, const TlsContext* tls) : stream(ex, tls) {}
    ConnStream stream;
    boost::beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since;
};

namespace detail {

// The size of the buffer a streamed body is read into and written from.
inline constexpr std::size_t kChunk = std::size_t{64} * 1024U;

// An I/O error of a call as our error: timeout, output_too_large or upstream_failed.
Error io_error(const boost::system::error_code& ec, std::string_view what);

// Methods a client may send again after a reused connection failed before any answer: the
// server may have run a POST before the connection broke, so only these are resent.
bool safe_to_resend(std::string_view method);

// The peer closed the connection (or reset it, or ended a TLS session without close_notify)
// before answering.
bool is_reset_like(const boost::system::error_code& ec);

// The head of a request whose whole body is in `req.body`.
std::string buffered_request_head(const Endpoint& endpoint, const Request& req);

// Sets up the parser of the answer to a `method` request: heads up to 64 KiB, bodies up to
// `body_limit`, and no body at all after HEAD.
template <class Parser>
void prepare_parser(Parser& parser, std::uint64_t body_limit, std::string_view method) {
    parser.body_limit(body_limit);
    parser.header_limit(64U * 1024U);
    if (method == "HEAD") {
        parser.skip(true);
    }
}

// The status and headers of a parsed answer (the body is the caller's).
template <class Message>
Response response_head(const Message& m) {
    Response res;
    res.status = static_cast<int>(m.result_int());
    for (const auto& f : m) {
        res.headers.add(f.name_string(), f.value());
    }
    return res;
}

// "<method> <target> HTTP/1.1\r\n" ("/" for an empty target).
void append_request_head(std::string& out, std::string_view method, std::string_view target);

// A response's headers to relay: hop-by-hop headers and Content-Length left out.
template <class Body>
Headers response_headers_of(const boost::beast::http::response_parser<Body>& p) {
    Headers h;
    for (const auto& f : p.get()) {
        if (!is_hop_by_hop(f.name_string()) && !text::iequals(f.name_string(), "Content-Length")) {
            h.add(f.name_string(), f.value());
        }
    }
    return h;
}

}  // namespace detail
}  // namespace faas::http
