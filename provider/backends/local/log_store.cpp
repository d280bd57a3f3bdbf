#include "provider/backends/local/log_store.hpp"

#include <algorithm>

#include "core/openfaas/types.hpp"

namespace faas::provider::local {

LogStore::LogStore(asio::any_io_executor ex, std::size_t max_lines_per_function)
    : ex_(std::move(ex)),
      max_lines_(max_lines_per_function),
      event_(std::make_shared<async::AsyncEvent>(ex_)) {}

void LogStore::append(const std::string& key, const std::string& instance, std::string text) {
    auto& q = lines_[key];
    LogEntry line;
    line.seq = ++seq_;
    line.instance = instance;
    line.time = std::chrono::system_clock::now();
    line.timestamp = openfaas::rfc3339_now();
    line.text = std::move(text);
    q.push_back(std::move(line));
    while (q.size() > max_lines_) {
        q.pop_front();
    }
    wake_all();
}

void LogStore::wake_all() {
    auto old = std::move(event_);
    event_ = std::make_shared<async::AsyncEvent>(ex_);
    old->notify();
}

std::vector<LogEntry> LogStore::history(const std::string& key, const LogQuery& q) const {
    std::vector<LogEntry> out;
    auto it = lines_.find(key);
    if (it == lines_.end()) {
        return out;
    }
    for (const auto& l : it->second) {
        if (!q.instance.empty() && l.instance != q.instance) {
            continue;
        }
        if (q.since && l.time < *q.since) {
            continue;
        }
        out.push_back(l);
    }
    if (q.tail > 0 && out.size() > static_cast<std::size_t>(q.tail)) {
        out.erase(out.begin(), out.end() - q.tail);
    }
    return out;
}

std::vector<LogEntry> LogStore::after(const std::string& key, std::uint64_t after,
                                     const std::string& instance) const {
    std::vector<LogEntry> out;
    auto it = lines_.find(key);
    if (it == lines_.end()) {
        return out;
    }
    const auto& q = it->second;
    auto first = std::upper_bound(q.begin(), q.end(), after,
                                  [](std::uint64_t s, const LogEntry& l) { return s < l.seq; });
    for (; first != q.end(); ++first) {
        if (instance.empty() || first->instance == instance) {
            out.push_back(*first);
        }
    }
    return out;
}

void LogStore::erase(const std::string& key) { lines_.erase(key); }

}  // namespace faas::provider::local
