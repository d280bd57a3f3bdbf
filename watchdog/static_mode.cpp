// static mode: files under static_path, GET and HEAD, index.html for directories. Files are
// read in 64 KiB pieces from the page cache between writes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <vector>

#include "core/http/respond.hpp"
#include "core/text/text.hpp"
#include "watchdog/context.hpp"

namespace faas::watchdog {
namespace {

std::string_view mime_type(std::string_view path) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".xml", "text/xml; charset=utf-8"},
        {".pdf", "application/pdf"},
        {".webp", "image/webp"},
    }};
    const auto dot = path.rfind('.');
    if (dot != std::string_view::npos) {
        const auto ext = path.substr(dot);
        for (const auto& [e, t] : kTypes) {
            if (text::iequals(e, ext)) {
                return t;
            }
        }
    }
    return "application/octet-stream";
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// Answers 200 with the open regular file `fd` (`size` bytes; HEAD: the head only).
awaitable<void> send_file(http::Exchange& ex,
                          const FileDescriptor& fd,
                          const std::string& path,
                          std::uint64_t size) {
    http::Headers headers;
    headers.set("Content-Type", mime_type(path));
    if (!co_await ex.begin_response(200, headers, size)) {
        co_return;
    }
    std::vector<char> buf(std::size_t{64} * 1024U);
    std::uint64_t sent = 0;
    while (sent < size && ex.method() != "HEAD") {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n <= 0) {
            break;
        }
        if (!co_await ex.write_body(std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
            co_return;
        }
        sent += static_cast<std::uint64_t>(n);
    }
    (void)co_await ex.end_response();
}

}  // namespace

awaitable<void> handle_static(Shared& shared, ThreadContext& /*ctx*/, http::Exchange& ex) {
    if (ex.method() != "GET" && ex.method() != "HEAD") {
        http::Response res = http::method_not_allowed_response();
        res.headers.set("Allow", "GET, HEAD");
        co_await http::send(ex, std::move(res));
        co_return;
    }
    auto decoded = http::percent_decode(ex.path());
    if (!decoded || decoded->find('\0') != std::string::npos || decoded->empty() ||
        decoded->front() != '/') {
        http::Response res = http::error_response(make_error(errc::bad_request, "invalid path"));
        co_await http::send(ex, std::move(res));
        co_return;
    }
    // Clean the path as if rooted, so "/../x" cannot climb out of static_path.
    std::filesystem::path rel = std::filesystem::path(*decoded).lexically_normal().relative_path();
    for (const auto& part : rel) {
        if (part == "..") {
            http::Response res = http::not_found_response();
            co_await http::send(ex, std::move(res));
            co_return;
        }
    }
    std::filesystem::path full = std::filesystem::path(shared.config.static_path) / rel;
    struct stat st {};
    if (::stat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!decoded->ends_with('/')) {
            http::Response res;
            res.status = 301;
            res.headers.set("Location", std::string(ex.path()) + "/");
            co_await http::send(ex, std::move(res));
            co_return;
        }
        full /= "index.html";
    }
    const FileDescriptor fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        http::Response res = http::not_found_response();
        co_await http::send(ex, std::move(res));
        co_return;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    co_await send_file(ex, fd, full.string(), size);
}

}  // namespace faas::watchdog
