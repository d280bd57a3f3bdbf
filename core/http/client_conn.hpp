#pragma once
// Internal to core/http's client units (client.cpp, client_forward.cpp): the pooled connection
// and the helpers both the buffered calls and forward() use. Includes Beast: never include it
// outside core/http.
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/http/client.hpp"
#include "core/text/text.hpp"

namespace faas::http {

struct ClientPool::Conn {
    explicit Conn(const asio::any_io_executor& ex) : stream(ex) {}
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since;
};

namespace detail {

// The size of the buffer a streamed body is read into and written from.
inline constexpr std::size_t kChunk = 64U * 1024U;

// An I/O error of a call as our error: timeout, output_too_large or upstream_failed.
Error io_error(const boost::system::error_code& ec, std::string_view what);

// Methods a client may send again after a reused connection failed before any answer: the
// server may have run a POST before the connection broke, so only these are resent.
bool safe_to_resend(std::string_view method);

// The peer closed the connection (or reset it) before answering.
bool is_reset_like(const boost::system::error_code& ec);

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
