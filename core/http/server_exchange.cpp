// ServerExchange: one request's body and answer on a session's stream.
#include "core/http/server_exchange.hpp"

#include <array>
#include <limits>

#include "core/http/body_buffer.hpp"
#include "core/http/wire.hpp"
#include "core/text/text.hpp"

namespace faas::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

Error stream_error(const error_code& ec, std::string_view what) {
    if (ec == beast::error::timeout) {
        return make_error(errc::timeout, std::string(what) + ": timed out");
    }
    if (ec == bhttp::error::body_limit) {
        return make_error(errc::body_too_large, "request body too large");
    }
    return make_error(errc::bad_request, std::string(what) + ": " + ec.message());
}

}  // namespace

template <class Buffers>
awaitable<Status> ServerExchange::write(const Buffers& bufs) {
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

awaitable<Result<std::string>> ServerExchange::read_body(std::size_t limit) {
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

awaitable<Result<std::size_t>> ServerExchange::read_some(std::span<char> buf) {
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

awaitable<Status> ServerExchange::respond(Response r) {
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

awaitable<Status> ServerExchange::begin_response(int status,
                                                 const Headers& headers,
                                                 std::optional<std::uint64_t> length) {
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

awaitable<Status> ServerExchange::write_body(std::string_view data) {
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

awaitable<Status> ServerExchange::end_response() {
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

void ServerExchange::finish_head(std::string& head, const Headers& headers) {
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

bool ServerExchange::keep_alive_after_response() {
    // A body the handler did not read would be parsed as the next request: close instead.
    if (!body_done()) {
        close_ = true;
    }
    return !close_ && !stopping_ && request_keep_alive_;
}

awaitable<void> ServerExchange::send_continue() {
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

}  // namespace faas::http::detail
