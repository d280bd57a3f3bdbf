#pragma once
// LogStore: the recent output lines of every function's replicas, a bounded ring buffer per
// function (oldest lines dropped first), with a change event for followers. Lives on the
// control thread; readers elsewhere hop there to copy lines out.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "provider/function_backend.hpp"

namespace faas::provider::local {

// One line as the store keeps it.
struct LogEntry {
    std::uint64_t seq = 0;
    std::string instance;
    std::string timestamp;  // RFC 3339, when the provider read the line
    std::chrono::system_clock::time_point time;
    std::string text;
};

class LogStore {
public:
    LogStore(asio::any_io_executor ex, std::size_t max_lines_per_function);

    // `key` is "<name>.<namespace>".
    void append(const std::string& key, const std::string& instance, std::string text);
    // History matching `q`, oldest first.
    std::vector<LogEntry> history(const std::string& key, const LogQuery& q) const;
    // Lines of `key` with seq > `after` (and `instance` when non-empty).
    std::vector<LogEntry> after(const std::string& key, std::uint64_t after,
                               const std::string& instance) const;
    std::uint64_t last_seq() const noexcept { return seq_; }
    void erase(const std::string& key);
    // Notified (and replaced) on every append and by wake_all().
    std::shared_ptr<async::AsyncEvent> change_event() const { return event_; }
    void wake_all();

private:
    asio::any_io_executor ex_;
    std::size_t max_lines_;
    std::uint64_t seq_ = 0;
    std::map<std::string, std::deque<LogEntry>> lines_;
    std::shared_ptr<async::AsyncEvent> event_;
};

}  // namespace faas::provider::local
