// Timestamps as OpenFaaS writes and reads them (RFC 3339).
#include <array>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "core/openfaas/types.hpp"

namespace faas::openfaas {
namespace {

bool rfc3339_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// "YYYY-MM-DDTHH:MM:SS" (the 'T' may be 't' or ' ') at the start of `s`, into `tm`.
bool parse_date_time(std::string_view s, std::tm& tm) {
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int sec = 0;
    if (!rfc3339_digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' ||
        !rfc3339_digits(s, 5, 2, mo) || s[7] != '-' || !rfc3339_digits(s, 8, 2, d) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !rfc3339_digits(s, 11, 2, h) ||
        s[13] != ':' || !rfc3339_digits(s, 14, 2, mi) || s[16] != ':' ||
        !rfc3339_digits(s, 17, 2, sec)) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return false;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return true;
}

// An optional ".<digits>" at `pos` (digits past the ninth are dropped), moving `pos` past it.
bool parse_fraction(std::string_view s, std::size_t& pos, std::int64_t& nanos) {
    if (pos >= s.size() || s[pos] != '.') {
        return true;
    }
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (n < 9) {
            nanos = nanos * 10 + (s[pos] - '0');
            ++n;
        }
        ++pos;
    }
    if (n == 0) {
        return false;
    }
    for (; n < 9; ++n) {
        nanos *= 10;
    }
    return true;
}

// "Z" or "+HH:MM"/"-HH:MM" at `pos`, as seconds east of UTC, moving `pos` past it.
bool parse_offset(std::string_view s, std::size_t& pos, int& offset) {
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
        return true;
    }
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh = 0;
        int om = 0;
        if (!rfc3339_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !rfc3339_digits(s, pos + 4, 2, om)) {
            return false;
        }
        offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
        pos += 6;
        return true;
    }
    return false;
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point when) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(when);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(when - secs).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:09d}Z", buf.data(), nanos);
}

std::string rfc3339_now() {
    return rfc3339(std::chrono::system_clock::now());
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
    std::tm tm{};
    if (!parse_date_time(s, tm)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    int offset = 0;
    if (!parse_fraction(s, pos, nanos) || !parse_offset(s, pos, offset) || pos != s.size()) {
        return std::nullopt;
    }
    const std::time_t t = ::timegm(&tm) - offset;
    return std::chrono::system_clock::from_time_t(t) + std::chrono::nanoseconds(nanos);
}

}  // namespace faas::openfaas
