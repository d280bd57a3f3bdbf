#pragma once
// Loggers: one named spdlog logger per component, writing to stderr. Messages are
// "event key=value" with fixed keys (fn=, call_id=, status=, dur_ms=, replica=).
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace faas::log {

using Logger = std::shared_ptr<spdlog::logger>;

enum class Format {
    // 2026-11-23T10:00:00.123Z info gateway event key=value
    Structured,
    // Go's default logger prefix, as the OpenFaaS watchdogs write it:
    // "2026/11/23 10:00:00 message" (warnings and errors get "warn: "/"error: " before the
    // message). The certifier strips leading digits, '/', ':' and spaces and matches the rest.
    GoStd,
};

// Creates (or returns) the named logger. The level comes from `level` ("trace".."off");
// an unknown level name is treated as "info".
// Lines are written in batches: at once for warnings and errors, otherwise within 100 ms.
Logger make(const std::string& name, Format format = Format::Structured,
            std::string_view level = "info");

// Writes out every logger's pending lines (call before exiting).
void flush_all();

}  // namespace faas::log
