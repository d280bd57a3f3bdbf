#pragma once
// Raw TCP for HTTP tests that a well-behaved client cannot express: malformed requests,
// timing the first byte of a streamed body, reading chunked framing as sent, and full-duplex
// uploads (write the body while the response streams back). Blocking sockets with poll()
// bounds; one test thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/types.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

class RawConnection {
public:
    // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot.
    explicit RawConnection(std::uint16_t port);
    // Takes ownership of a connected socket.
    struct Adopt {
        int fd;
    };
    explicit RawConnection(Adopt socket) : fd_(socket.fd) {}
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // Sends every byte; false when the peer closed or reset the connection.
    bool send(std::string_view data, std::chrono::nanoseconds bound = kMaxWait);
    void shutdown_write();

    // Reads whatever arrives within `bound` into the buffer. Returns the number of bytes read:
    // 0 with closed() true at end of stream, nullopt when nothing arrived in time.
    std::optional<std::size_t> read_some(std::chrono::nanoseconds bound = kMaxWait);
    // Reads until the peer closes; false when `bound` passed first.
    bool read_until_close(std::chrono::nanoseconds bound = kMaxWait);
    // Reads until the buffer contains `needle`; false when `bound` passed or the peer closed.
    bool read_until(std::string_view needle, std::chrono::nanoseconds bound = kMaxWait);

    // Everything received and not yet consumed.
    std::string& buffer() noexcept { return buffer_; }
    bool closed() const noexcept { return closed_; }
    int fd() const noexcept { return fd_; }

private:
    int fd_ = -1;
    std::string buffer_;
    bool closed_ = false;
};

// A listening socket on 127.0.0.1 (port 0) that the test accepts from by hand: a peer that
// misbehaves on cue. Connections it never accepts still complete (the kernel's backlog), so it
// also serves as an upstream that never answers.
class RawListener {
public:
    RawListener();
    ~RawListener();
    RawListener(const RawListener&) = delete;
    RawListener& operator=(const RawListener&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // Accepts one connection; nullptr when none arrived within `bound`.
    std::unique_ptr<RawConnection> accept(std::chrono::nanoseconds bound = kMaxWait);

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

struct RawResponse {
    std::string status_line;
    int status = 0;
    http::Headers headers;
    std::string body;  // de-chunked
    bool chunked = false;
    // Seconds from the start of read_response until the first body byte arrived (-1: none).
    double first_body_byte = -1;
};

// Reads one response from `conn` (framing by Content-Length, chunked, or close); nullopt when
// it is incomplete when the peer closed or `bound` passed. `head_request` means no body.
std::optional<RawResponse> read_response(RawConnection& conn,
                                         bool head_request = false,
                                         std::chrono::nanoseconds bound = kMaxWait);

// Sends `head` (a request head ending in "\r\n\r\n") and `body` from a writer thread while
// this thread reads the response, as curl does: a streaming server can answer while the upload
// is still going. Throws std::runtime_error when the response is incomplete within `bound`.
RawResponse duplex_exchange(std::uint16_t port,
                            std::string head,
                            std::string_view body,
                            std::chrono::nanoseconds bound = kMaxWait);

}  // namespace faas::test
