#include "tests/support/raw_http.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/text/text.hpp"

namespace faas::test {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events`; false when the deadline passed.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r > 0) {
            return true;
        }
        if (r == 0) {
            return false;
        }
        if (errno != EINTR) {
            return false;
        }
    }
}

}  // namespace

RawConnection::RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error("socket: " + std::generic_category().message(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT
        const int e = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("connecting to 127.0.0.1:" + std::to_string(port) + ": " +
                                 std::generic_category().message(e));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool RawConnection::send(std::string_view data, std::chrono::nanoseconds bound) {
    const auto deadline = Clock::now() + bound;
    while (!data.empty()) {
        if (!wait_ready(fd_, POLLOUT, deadline)) {
            return false;
        }
        const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void RawConnection::shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
}

std::optional<std::size_t> RawConnection::read_some(std::chrono::nanoseconds bound) {
    if (closed_) {
        return std::size_t{0};
    }
    const auto deadline = Clock::now() + bound;
    std::array<char, std::size_t{64} * 1024> buf{};
    for (;;) {
        if (!wait_ready(fd_, POLLIN, deadline)) {
            return std::nullopt;
        }
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n > 0) {
            buffer_.append(buf.data(), static_cast<std::size_t>(n));
            return static_cast<std::size_t>(n);
        }
        if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
            closed_ = true;  // end of stream, or reset: either way nothing more will come
            return std::size_t{0};
        }
    }
}

bool RawConnection::read_until_close(std::chrono::nanoseconds bound) {
    const auto deadline = Clock::now() + bound;
    while (!closed_) {
        if (!read_some(deadline - Clock::now())) {
            return false;
        }
    }
    return true;
}

bool RawConnection::read_until(std::string_view needle, std::chrono::nanoseconds bound) {
    const auto deadline = Clock::now() + bound;
    while (buffer_.find(needle) == std::string::npos) {
        if (closed_ || !read_some(deadline - Clock::now())) {
            return false;
        }
    }
    return true;
}

RawListener::RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error("socket: " + std::generic_category().message(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT
        ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {  // NOLINT
        const int e = errno;
        ::close(fd_);
        throw std::runtime_error("listening: " + std::generic_category().message(e));
    }
    port_ = ntohs(addr.sin_port);
}

RawListener::~RawListener() {
    ::close(fd_);
}

std::unique_ptr<RawConnection> RawListener::accept(std::chrono::nanoseconds bound) {
    if (!wait_ready(fd_, POLLIN, Clock::now() + bound)) {
        return nullptr;
    }
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
        return nullptr;
    }
    return std::make_unique<RawConnection>(RawConnection::Adopt{fd});
}

namespace {

// Pulls bytes from `conn` until `buf` holds at least `n` beyond `pos`.
bool need(RawConnection& conn, std::size_t end, Clock::time_point deadline) {
    while (conn.buffer().size() < end) {
        auto n = conn.read_some(deadline - Clock::now());
        if (!n || *n == 0) {
            return false;
        }
    }
    return true;
}

bool need_line(RawConnection& conn,
               std::size_t from,
               Clock::time_point deadline,
               std::size_t& eol) {
    for (;;) {
        eol = conn.buffer().find("\r\n", from);
        if (eol != std::string::npos) {
            return true;
        }
        auto n = conn.read_some(deadline - Clock::now());
        if (!n || *n == 0) {
            return false;
        }
    }
}

}  // namespace

std::optional<RawResponse> read_response(RawConnection& conn,
                                         bool head_request,
                                         std::chrono::nanoseconds bound) {
    const auto start = Clock::now();
    const auto deadline = start + bound;
    RawResponse res;
    std::string& buf = conn.buffer();
    // Skip interim 1xx answers.
    std::size_t head_end = 0;
    for (;;) {
        if (!conn.read_until("\r\n\r\n", deadline - Clock::now())) {
            return std::nullopt;
        }
        head_end = buf.find("\r\n\r\n");
        if (buf.starts_with("HTTP/1.1 1") && !buf.starts_with("HTTP/1.1 101")) {
            buf.erase(0, head_end + 4);
            continue;
        }
        break;
    }
    const std::string head = buf.substr(0, head_end);
    buf.erase(0, head_end + 4);
    std::size_t line_end = head.find("\r\n");
    res.status_line = head.substr(0, line_end);
    if (res.status_line.size() < 12 || !res.status_line.starts_with("HTTP/1.")) {
        return std::nullopt;
    }
    std::from_chars(res.status_line.data() + 9, res.status_line.data() + 12, res.status);
    while (line_end != std::string::npos) {
        const std::size_t next = head.find("\r\n", line_end + 2);
        const std::string line = head.substr(
            line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            res.headers.add(line.substr(0, colon), text::trim(line.substr(colon + 1)));
        }
        line_end = next;
    }
    const auto note_first_byte = [&] {
        if (res.first_body_byte < 0) {
            res.first_body_byte = std::chrono::duration<double>(Clock::now() - start).count();
        }
    };
    if (head_request || res.status == 204 || res.status == 304 || res.status < 200) {
        return res;
    }
    const auto te = res.headers.get("Transfer-Encoding");
    if (te && text::iequals(text::trim(*te), "chunked")) {
        res.chunked = true;
        for (;;) {
            std::size_t eol = 0;
            if (!need_line(conn, 0, deadline, eol)) {
                return std::nullopt;
            }
            std::size_t size = 0;
            const auto [p, ec] = std::from_chars(buf.data(), buf.data() + eol, size, 16);
            if (ec != std::errc{} || p == buf.data()) {
                return std::nullopt;
            }
            buf.erase(0, eol + 2);
            if (size == 0) {
                // Trailers end with an empty line.
                for (;;) {
                    if (!need_line(conn, 0, deadline, eol)) {
                        return std::nullopt;
                    }
                    const bool last = eol == 0;
                    buf.erase(0, eol + 2);
                    if (last) {
                        return res;
                    }
                }
            }
            if (!need(conn, size + 2, deadline)) {
                return std::nullopt;
            }
            note_first_byte();
            res.body.append(buf, 0, size);
            buf.erase(0, size + 2);
        }
    }
    if (const auto cl = res.headers.get("Content-Length")) {
        std::size_t length = 0;
        std::from_chars(cl->data(), cl->data() + cl->size(), length);
        while (buf.size() < length) {
            if (!buf.empty()) {
                note_first_byte();
            }
            auto n = conn.read_some(deadline - Clock::now());
            if (!n || *n == 0) {
                return std::nullopt;
            }
        }
        if (length > 0) {
            note_first_byte();
        }
        res.body = buf.substr(0, length);
        buf.erase(0, length);
        return res;
    }
    // Close-delimited.
    if (!conn.read_until_close(deadline - Clock::now())) {
        return std::nullopt;
    }
    if (!buf.empty()) {
        note_first_byte();
    }
    res.body = std::move(buf);
    buf.clear();
    return res;
}

RawResponse duplex_exchange(std::uint16_t port,
                            std::string head,
                            std::string_view body,
                            std::chrono::nanoseconds bound) {
    RawConnection conn(port);
    bool sent = false;
    std::thread writer([&] { sent = conn.send(head, bound) && conn.send(body, bound); });
    auto res = read_response(conn, head.starts_with("HEAD "), bound);
    // Unblock a writer the server stopped reading from, so the join is bounded too.
    if (!res) {
        ::shutdown(conn.fd(), SHUT_RDWR);
    }
    writer.join();
    if (!res) {
        throw std::runtime_error("no complete response within the test bound (request sent: " +
                                 std::string(sent ? "yes" : "no") + ")");
    }
    return std::move(*res);
}

}  // namespace faas::test
