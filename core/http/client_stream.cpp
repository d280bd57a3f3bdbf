// ClientPool::stream: a buffered request whose 2xx answer body goes to a sink as it arrives.
#include <array>
#include <limits>
#include <vector>

#include "core/http/body_buffer.hpp"
#include "core/http/client_conn.hpp"

namespace faas::http {

namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

using StreamParser = bhttp::response_parser<bhttp::buffer_body>;

// The body after the head: a 2xx goes to the sink chunk by chunk (until the sink says stop), any
// other status is kept in res.body, up to max_error_bytes.
awaitable<Status> read_streamed_body(ClientPool::Conn& c,
                                     StreamParser& parser,
                                     Response& res,
                                     const StreamOptions& options,
                                     const BodySink& sink,
                                     const Endpoint& endpoint) {
    error_code ec;
    const bool to_sink = res.status >= 200 && res.status < 300;
    std::vector<char> buf(detail::kChunk);
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
            co_return detail::io_error(ec, "reading the response body from " + endpoint.key());
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
    co_return Status{};
}

}  // namespace

awaitable<Result<Response>> ClientPool::stream(Endpoint endpoint, Request req,
                                               StreamOptions options, BodySink sink) {
    const auto head_deadline = Clock::now() + options.head_timeout;
    const std::string head = detail::buffered_request_head(endpoint, req);
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
    StreamParser parser;
    detail::prepare_parser(parser, std::numeric_limits<std::uint64_t>::max(), req.method);
    if (!ec) {
        co_await bhttp::async_read_header(c.stream, c.buffer, parser,
                                          asio::redirect_error(use_awaitable, ec));
    }
    if (ec) {
        co_return detail::io_error(ec, "calling " + endpoint.key());
    }
    Response res = detail::response_head(parser.get());
    Status read = co_await read_streamed_body(c, parser, res, options, sink, endpoint);
    if (!read) {
        co_return read.error();
    }
    co_return res;
}

}  // namespace faas::http
