#pragma once
// Exchange: one request and its response on a server connection, as a handler sees it. The
// request head is parsed; the body is read on demand (all at once with a limit, or streamed);
// the response is written whole or streamed. Lives on the connection's io_context thread and
// only for the duration of the handler call.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"

namespace faas::http {

class Exchange {
public:
    virtual ~Exchange() = default;

    virtual std::string_view method() const = 0;
    // The raw request-target, e.g. "/a/b?x=1".
    virtual std::string_view target() const = 0;
    std::string_view path() const { return split_target(target()).path; }
    std::string_view query() const { return split_target(target()).query; }
    virtual std::optional<std::string_view> header(std::string_view name) const = 0;
    // All request headers in arrival order (copied out of the parser on first use).
    virtual const Headers& headers() const = 0;
    virtual std::optional<std::uint64_t> content_length() const = 0;
    virtual bool chunked() const = 0;
    // 10 for HTTP/1.0, 11 for HTTP/1.1.
    virtual unsigned version() const = 0;
    // "ip:port" of the peer.
    virtual const std::string& remote_address() const = 0;

    // Reads the whole body. More than `limit` bytes is errc::body_too_large (the rest is left
    // unread and the connection will close after the response).
    virtual awaitable<Result<std::string>> read_body(std::size_t limit) = 0;
    // Reads the next part of the body into `buf`; 0 means the body is complete.
    virtual awaitable<Result<std::size_t>> read_some(std::span<char> buf) = 0;
    virtual bool body_done() const = 0;

    // Writes a whole response. Content-Length is set from the body.
    virtual awaitable<Status> respond(Response response) = 0;
    // Streams a response: the head now, then write_body() parts, then end_response().
    // Without a length the body is sent chunked (or close-delimited to an HTTP/1.0 client).
    virtual awaitable<Status> begin_response(int status, const Headers& headers,
                                             std::optional<std::uint64_t> length) = 0;
    virtual awaitable<Status> write_body(std::string_view data) = 0;
    virtual awaitable<Status> end_response() = 0;
    virtual bool response_started() const = 0;
    virtual bool response_finished() const = 0;
    // The status sent (0 before the response started).
    virtual int response_status() const = 0;

    // Closes the connection after this exchange instead of keeping it alive.
    virtual void close_connection() = 0;
    // Closes the connection now, cancelling any pending read or write on it.
    virtual void abort() = 0;
};

}  // namespace faas::http
