#include "core/log/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

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

}  // namespace

Logger make(const std::string& name, Format format, std::string_view level) {
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
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
    logger->flush_on(spdlog::level::trace);
    spdlog::register_logger(logger);
    return logger;
}

}  // namespace faas::log
