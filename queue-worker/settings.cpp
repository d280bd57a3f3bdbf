#include "queue-worker/settings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "core/config/env.hpp"
#include "core/errc.hpp"
#include "core/text/text.hpp"

namespace faas::queue_worker {

namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
    text = text::trim(text);
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return v;
}

// A positive Go duration (a bare number is seconds) in milliseconds.
std::optional<std::chrono::milliseconds> parse_wait(std::string_view text) {
    auto d = config::parse_go_duration(text::trim(text));
    if (!d || d->count() <= 0) {
        return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

// The value of `name`, or nullptr when the annotation is absent.
const std::string* find(const std::map<std::string, std::string>& annotations,
                        std::string_view name) {
    auto it = annotations.find(std::string(name));
    return it == annotations.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<double> parse_rate(std::string_view text) {
    text = text::trim(text);
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string count_text(text::trim(text.substr(0, slash)));
    const std::string_view unit = text::trim(text.substr(slash + 1));
    double count = 0;
    const auto [ptr, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (count_text.empty() || ec != std::errc{} || ptr != count_text.data() + count_text.size() ||
        !std::isfinite(count) || count <= 0) {
        return std::nullopt;
    }
    if (unit == "s" || unit == "sec" || unit == "second") {
        return count;
    }
    if (unit == "m" || unit == "min" || unit == "minute") {
        return count / 60.0;
    }
    if (unit == "h" || unit == "hour") {
        return count / 3600.0;
    }
    return std::nullopt;
}

std::optional<std::vector<int>> parse_status_list(std::string_view text) {
    std::vector<int> codes;
    for (const auto& item : text::split_list(text, ',')) {
        auto code = parse_int(item);
        if (!code || *code < 100 || *code > 599) {
            return std::nullopt;
        }
        codes.push_back(static_cast<int>(*code));
    }
    if (codes.empty()) {
        return std::nullopt;
    }
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    return codes;
}

double default_burst(double rate_per_second) {
    return std::max(1.0, std::ceil(rate_per_second));
}

namespace {

void warn(ParsedSettings& out, std::string_view name, const std::string& value,
          std::string_view why) {
    out.warnings.push_back(fmt::format("{}={}: {}", name, value, why));
}

// How many calls at once and how fast: concurrency, rate and burst.
void read_throughput(const std::map<std::string, std::string>& annotations, ParsedSettings& out) {
    FunctionSettings& s = out.settings;
    if (const auto* v = find(annotations, kConcurrencyAnnotation)) {
        auto n = parse_int(*v);
        if (n && *n >= 1 && *n <= 1'000'000) {
            s.concurrency = static_cast<int>(*n);
        } else {
            warn(out, kConcurrencyAnnotation, *v, "want a whole number >= 1");
        }
    }
    if (const auto* v = find(annotations, kRateAnnotation)) {
        if (auto r = parse_rate(*v)) {
            s.rate = *r;
            s.burst = default_burst(*r);
        } else {
            warn(out, kRateAnnotation, *v, "want <count>/s, <count>/m or <count>/h");
        }
    }
    if (const auto* v = find(annotations, kBurstAnnotation)) {
        auto n = parse_int(*v);
        if (n && *n >= 1 && *n <= 1'000'000) {
            if (s.rate > 0) {
                s.burst = static_cast<double>(*n);
            }
        } else {
            warn(out, kBurstAnnotation, *v, "want a whole number >= 1");
        }
    }
}

// When to try a call again: attempts, the waits between them and the statuses that retry.
void read_retry(const std::map<std::string, std::string>& annotations, ParsedSettings& out) {
    FunctionSettings& s = out.settings;
    if (const auto* v = find(annotations, kAttemptsAnnotation)) {
        auto n = parse_int(*v);
        if (n && *n >= 1 && *n <= 1000) {
            s.retry.max_attempts = static_cast<int>(*n);
        } else {
            warn(out, kAttemptsAnnotation, *v, "want a whole number from 1 to 1000");
        }
    }
    if (const auto* v = find(annotations, kMinWaitAnnotation)) {
        if (auto d = parse_wait(*v)) {
            s.retry.initial_delay = *d;
        } else {
            warn(out, kMinWaitAnnotation, *v, "want a positive duration");
        }
    }
    if (const auto* v = find(annotations, kMaxWaitAnnotation)) {
        if (auto d = parse_wait(*v)) {
            s.retry.max_delay = *d;
        } else {
            warn(out, kMaxWaitAnnotation, *v, "want a positive duration");
        }
    }
    if (s.retry.max_delay < s.retry.initial_delay) {
        s.retry.max_delay = s.retry.initial_delay;
    }
    if (const auto* v = find(annotations, kCodesAnnotation)) {
        if (auto codes = parse_status_list(*v)) {
            s.retry_codes = std::move(*codes);
        } else {
            warn(out, kCodesAnnotation, *v, "want a comma list of HTTP statuses");
        }
    }
}

}  // namespace

ParsedSettings function_settings(const std::map<std::string, std::string>& annotations,
                                 const FunctionSettings& defaults) {
    ParsedSettings out{defaults, {}};
    read_throughput(annotations, out);
    read_retry(annotations, out);
    if (const auto* v = find(annotations, kMaxAgeAnnotation)) {
        auto d = config::parse_go_duration(text::trim(*v));
        if (d && d->count() > 0) {
            out.settings.max_age = *d;
        } else {
            warn(out, kMaxAgeAnnotation, *v, "want a positive duration");
        }
    }
    return out;
}

Outcome classify_status(int status, const std::vector<int>& retry_codes) {
    if (status >= 200 && status < 300) {
        return Outcome::Succeeded;
    }
    if (std::binary_search(retry_codes.begin(), retry_codes.end(), status)) {
        return Outcome::Retry;
    }
    return Outcome::Failed;
}

Outcome classify_error(std::error_code error) {
    if (error == errc::connect_failed || error == errc::timeout || error == errc::upstream_failed ||
        error == errc::unavailable) {
        return Outcome::Retry;
    }
    return Outcome::Failed;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
    value = text::trim(value);
    if (value.empty()) {
        return std::nullopt;
    }
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        auto secs = parse_int(value);
        if (!secs) {
            return std::nullopt;  // too large to be meant
        }
        return std::chrono::milliseconds(std::min<std::int64_t>(*secs, 86'400LL * 365) * 1000);
    }
    // RFC 9110 10.2.3 / 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
    static constexpr std::array<const char*, 3> kFormats = {
        "%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"};
    const std::string text(value);
    for (const char* format : kFormats) {
        std::tm tm{};
        const char* end = ::strptime(text.c_str(), format, &tm);
        if (end == nullptr || *end != '\0') {
            continue;
        }
        const auto when = std::chrono::system_clock::from_time_t(::timegm(&tm));
        if (when <= now) {
            return std::chrono::milliseconds(0);
        }
        return std::chrono::ceil<std::chrono::milliseconds>(when - now);
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> retry_delay(
    const async::Backoff& retry,
    int attempts_made,
    double fraction,
    std::optional<std::chrono::milliseconds> retry_after) {
    auto delay = retry.delay(attempts_made, fraction);
    if (!delay) {
        return std::nullopt;
    }
    auto out = std::max(*delay, retry.initial_delay);
    if (retry_after && *retry_after > out) {
        out = *retry_after;
    }
    return out;
}

}  // namespace faas::queue_worker
