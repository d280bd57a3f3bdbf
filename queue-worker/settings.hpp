#pragma once
// Per-function settings of the queue-worker from the annotations queued with each call
// (docs/async.md, "queue-worker"), over the worker's defaults from env; how an attempt's outcome
// is classified; and Retry-After. Pure: no I/O, time is passed in.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/async/backoff.hpp"

namespace faas::queue_worker {

inline constexpr std::string_view kConcurrencyAnnotation = "com.faas.queue.concurrency";
inline constexpr std::string_view kRateAnnotation = "com.faas.queue.rate";
inline constexpr std::string_view kBurstAnnotation = "com.faas.queue.burst";
inline constexpr std::string_view kMaxAgeAnnotation = "com.faas.queue.max_age";
inline constexpr std::string_view kAttemptsAnnotation = "com.openfaas.retry.attempts";
inline constexpr std::string_view kMinWaitAnnotation = "com.openfaas.retry.min_wait";
inline constexpr std::string_view kMaxWaitAnnotation = "com.openfaas.retry.max_wait";
inline constexpr std::string_view kCodesAnnotation = "com.openfaas.retry.codes";

struct FunctionSettings {
    int concurrency = 0;  // calls running at once in this worker; 0: only max_inflight bounds it
    double rate = 0;      // calls per second allowed by the token bucket; 0: no rate limit
    double burst = 0;     // the bucket's size (>= 1 when rate > 0)
    // attempts in total (max_attempts), first retry's cap (initial_delay), max_delay.
    async::Backoff retry{std::chrono::seconds(1), std::chrono::seconds(60), 10};
    std::vector<int> retry_codes{429, 502, 503, 504};  // sorted
    std::chrono::nanoseconds max_age = std::chrono::hours(6);

    bool operator==(const FunctionSettings& o) const {
        return concurrency == o.concurrency && rate == o.rate && burst == o.burst &&
               retry.initial_delay == o.retry.initial_delay &&
               retry.max_delay == o.retry.max_delay && retry.max_attempts == o.retry.max_attempts &&
               retry_codes == o.retry_codes && max_age == o.max_age;
    }
};

struct ParsedSettings {
    FunctionSettings settings;
    // One line per annotation whose value was bad and ignored: "<annotation>=<value>: why".
    std::vector<std::string> warnings;
};

// `defaults` (from env) with every annotation in `annotations` applied that parses; a bad value
// keeps the default and adds a warning.
ParsedSettings function_settings(const std::map<std::string, std::string>& annotations,
                                 const FunctionSettings& defaults);

// "10/s", "600/m", "100/h" (also "/sec", "/min", "/hour"; a decimal count is fine) -> calls per
// second; nullopt unless the count is positive.
std::optional<double> parse_rate(std::string_view text);

// "429,502, 503" -> sorted, distinct statuses (100..599); nullopt on any bad entry or none.
std::optional<std::vector<int>> parse_status_list(std::string_view text);

// The default burst for a rate: max(1, per-second rate rounded up).
double default_burst(double rate_per_second);

enum class Outcome {
    Succeeded,  // 2xx
    Retry,      // worth another attempt (retry set, connection failure, timeout)
    Failed,     // final, not retried
};

// An answer with `status` from the function (through the gateway).
Outcome classify_status(int status, const std::vector<int>& retry_codes);
// A call that got no answer: connection failures and timeouts are retried, anything else
// (a response over the size limit, say) is final.
Outcome classify_error(std::error_code error);

// Retry-After: delay-seconds or an HTTP date (IMF-fixdate, RFC 850, asctime); a date in the past
// is zero. nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The wait before the next attempt after `attempts_made` failed ones: the backoff with full
// jitter (`fraction` of its cap), or `retry_after` when longer, and never below the first
// retry's cap (min_wait). nullopt when no attempt is left.
std::optional<std::chrono::milliseconds> retry_delay(
    const async::Backoff& retry,
    int attempts_made,
    double fraction,
    std::optional<std::chrono::milliseconds> retry_after);

}  // namespace faas::queue_worker
