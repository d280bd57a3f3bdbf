// GET /system/logs for the local back end: lines come from the LogStore on the control thread
// and go to the sink on the handler's thread, in batches.
#include <chrono>

#include "provider/backends/local/backend.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider::local {

using namespace std::chrono_literals;

struct LocalBackend::LogBatch {
    std::vector<LogEntry> lines;
    std::uint64_t cursor = 0;  // the store's last sequence number when the batch was read
    bool found = false;
    bool stop = false;  // shutting down: no more batches
};

namespace {

// Sends `lines` to the sink; false when the client is gone.
awaitable<bool> deliver(const LogRequest& r, const std::vector<LogEntry>& lines, LogSink& sink) {
    LogLine line;
    line.name = r.name;
    line.namespace_ = r.namespace_;
    for (const auto& e : lines) {
        line.instance = e.instance;
        line.timestamp = e.timestamp;
        line.text = e.text;
        if (!co_await sink.write(line)) {
            co_return false;
        }
    }
    co_return true;
}

}  // namespace

awaitable<LocalBackend::LogBatch> LocalBackend::log_history(LogRequest r) {
    LogBatch b;
    b.found = find(r.namespace_, r.name) != nullptr;
    if (b.found) {
        b.lines = logs_.history(r.name + "." + r.namespace_, r.query);
        b.cursor = logs_.last_seq();
    }
    co_return b;
}

awaitable<LocalBackend::LogBatch> LocalBackend::log_wait(std::string key,
                                                         std::uint64_t cursor,
                                                         std::string instance) {
    LogBatch b;
    if (logs_.last_seq() == cursor && !shutting_down_) {
        auto ev = logs_.change_event();
        (void)co_await ev->wait_for(30s);
    }
    b.lines = logs_.after(key, cursor, instance);
    b.cursor = logs_.last_seq();
    b.stop = shutting_down_;
    co_return b;
}

awaitable<Status> LocalBackend::logs(const LogRequest& r, LogSink& sink) {
    auto history = log_history(r);
    auto first = co_await asio::co_spawn(control_, std::move(history), use_awaitable);
    if (!first.found) {
        co_return make_error(errc::not_found, "function " + r.name + " not found");
    }
    if (!co_await sink.open()) {
        co_return Status{};
    }
    if (!co_await deliver(r, first.lines, sink)) {
        co_return Status{};
    }
    const std::string key = r.name + "." + r.namespace_;
    std::uint64_t cursor = first.cursor;
    while (r.follow) {
        auto wait = log_wait(key, cursor, r.query.instance);
        auto batch = co_await asio::co_spawn(control_, std::move(wait), use_awaitable);
        cursor = batch.cursor;
        const bool delivered = co_await deliver(r, batch.lines, sink);
        if (!delivered || batch.stop) {
            break;
        }
    }
    co_return Status{};
}

}  // namespace faas::provider::local
