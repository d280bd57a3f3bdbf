#pragma once
// Reading configuration from environment variables with OpenFaaS's rules: durations are a bare
// number of seconds or Go duration syntax, booleans are the literal "true" (gateway, provider,
// classic watchdog) or Go ParseBool (of-watchdog). Bad values at start-up throw ConfigError,
// which main() turns into one line naming the variable and exit code 2.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace faas::config {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Looks a variable up; the default source is the process environment. Tests inject a map.
using Lookup = std::function<std::optional<std::string>(std::string_view)>;
Lookup process_env();

// Parses "30", "500ms", "1m30s", "1.5h". Returns nullopt when unparsable.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);
// Parses a byte size: "1048576", "64k"/"64Ki", "10M"/"10Mi", "1G"/"1Gi" (all powers of 1024).
std::optional<std::uint64_t> parse_bytes(std::string_view text);
// Go strconv.ParseBool.
std::optional<bool> parse_go_bool(std::string_view text);

// What a zero duration means for a variable that must be positive.
enum class IfZero {
    Fail,        // a ConfigError naming the variable (style: bad config stops the start)
    UseDefault,  // the fallback, silently (the gateway's timeouts)
};

class Env {
public:
    explicit Env(Lookup lookup = process_env()) : lookup_(std::move(lookup)) {}

    std::optional<std::string> get(std::string_view name) const;
    std::string string(std::string_view name, std::string_view fallback = {}) const;
    // Gateway/classic rule: only the literal "true" is true.
    bool flag(std::string_view name, bool fallback) const;
    // of-watchdog rule: Go ParseBool; anything unparsable is the fallback.
    bool go_bool(std::string_view name, bool fallback) const;
    // Unparsable durations fall back to the default, as OpenFaaS does.
    std::chrono::nanoseconds duration(std::string_view name,
                                      std::chrono::nanoseconds fallback) const;
    // As duration() (unset, unparsable or negative: the fallback), for a duration that must be
    // positive; `zero` says what "0" means.
    std::chrono::nanoseconds positive_duration(std::string_view name,
                                               std::chrono::nanoseconds fallback,
                                               IfZero zero) const;
    // Integers and sizes are strict: a bad value is a ConfigError.
    std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const;
    std::uint64_t bytes(std::string_view name, std::uint64_t fallback) const;

private:
    Lookup lookup_;
};

}  // namespace faas::config
