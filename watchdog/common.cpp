#include <vector>

#include "watchdog/context.hpp"

namespace faas::watchdog {

std::string call_id_field(const http::Exchange& ex) {
    auto id = ex.header("X-Call-Id");
    if (!id || id->empty()) {
        return {};
    }
    return "call_id=" + std::string(*id) + " ";
}

awaitable<void> log_lines(asio::posix::stream_descriptor& pipe, const Shared& shared,
                          std::string_view stream_name) {
    const std::size_t max_line = std::max<std::size_t>(shared.config.log_buffer_size, 1);
    const bool prefix = shared.config.prefix_logs;
    std::string pending;
    std::vector<char> buf(std::size_t{16} * 1024U);
    const auto emit = [&](std::string_view line) {
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (prefix) {
            shared.log->info("{}: {}", stream_name, line);
        } else {
            shared.log->info("{}", line);
        }
    };
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await pipe.async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        if (ec) {
            break;
        }
        pending.append(buf.data(), n);
        std::size_t start = 0;
        for (;;) {
            const auto nl = pending.find('\n', start);
            if (nl == std::string::npos) {
                break;
            }
            emit(std::string_view(pending).substr(start, nl - start));
            start = nl + 1;
        }
        pending.erase(0, start);
        while (pending.size() >= max_line) {
            emit(std::string_view(pending).substr(0, max_line));
            pending.erase(0, max_line);
        }
    }
    if (!pending.empty()) {
        emit(pending);
    }
}

}  // namespace faas::watchdog
