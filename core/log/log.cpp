#include "core/log/log.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace faas::log {
namespace {

// %* prints "warn: " / "error: " / "debug: " and nothing for info, so Go-style lines keep the
// exact "<date> <time> <message>" shape the certifier greps for.
class LevelPrefix final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
                spdlog::memory_buf_t& dest) override {
        std::string_view prefix;
        switch (msg.level) {
            case spdlog::level::trace: prefix = "trace: "; break;
            case spdlog::level::debug: prefix = "debug: "; break;
            case spdlog::level::warn: prefix = "warn: "; break;
            case spdlog::level::err: prefix = "error: "; break;
            case spdlog::level::critical: prefix = "critical: "; break;
            default: break;
        }
        dest.append(prefix.data(), prefix.data() + prefix.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<LevelPrefix>();
    }
};

// Collects formatted lines and writes them to stderr in batches: a per-request log line costs
// a memcpy instead of a write(2). Flushed when 32 KiB are pending, on every warning or error
// (flush_on), and every 100 ms by spdlog's periodic flusher.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    ~BufferedStderrSink() override {
        const std::lock_guard<std::mutex> lock(mutex_);
        flush_();
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        pending_.append(formatted.data(), formatted.size());
        if (pending_.size() >= kFlushAt) {
            flush_();
        }
    }
    void flush_() override {
        std::size_t off = 0;
        while (off < pending_.size()) {
            const ssize_t n = ::write(STDERR_FILENO, pending_.data() + off, pending_.size() - off);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                break;  // stderr is gone: nothing better to do with the lines
            }
            off += static_cast<std::size_t>(n);
        }
        pending_.clear();
    }

private:
    static constexpr std::size_t kFlushAt = std::size_t{32} * 1024U;
    std::string pending_;
};

// Flushes every logger every 100 ms (spdlog's own flush_every counts whole seconds). Stopped
// and joined at exit, after a last flush.
class PeriodicFlusher {
public:
    PeriodicFlusher()
        : thread_([this](const std::stop_token& stop) {
              std::unique_lock<std::mutex> lock(mutex_);
              while (!stop.stop_requested()) {
                  cv_.wait_for(lock, stop, std::chrono::milliseconds(100), [] { return false; });
                  lock.unlock();
                  flush_all();
                  lock.lock();
              }
          }) {}
    PeriodicFlusher(const PeriodicFlusher&) = delete;
    PeriodicFlusher& operator=(const PeriodicFlusher&) = delete;
    ~PeriodicFlusher() {
        thread_.request_stop();
        thread_.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable_any cv_;
    std::jthread thread_;
};

}  // namespace

void flush_all() { spdlog::apply_all([](const Logger& l) { l->flush(); }); }

Logger make(const std::string& name, Format format, std::string_view level) {
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto sink = std::make_shared<BufferedStderrSink>();
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    std::unique_ptr<spdlog::pattern_formatter> formatter;
    if (format == Format::GoStd) {
        formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<LevelPrefix>('*').set_pattern("%Y/%m/%d %H:%M:%S %*%v");
    } else {
        formatter = std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %n %v",
                                                               spdlog::pattern_time_type::utc);
    }
    logger->set_formatter(std::move(formatter));
    auto lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off") {
        lvl = spdlog::level::info;
    }
    logger->set_level(lvl);
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    static PeriodicFlusher flusher;  // process-wide, like spdlog's own registry
    return logger;
}

}  // namespace faas::log
