#pragma once
// Small string helpers shared by every component: header canonicalisation as Go does it,
// base64, hex, trimming and splitting.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace faas::text {

// Go's textproto.CanonicalMIMEHeaderKey: "x-call-id" -> "X-Call-Id". Keys with characters that
// are not token characters are returned unchanged, as Go does.
std::string canonical_header_key(std::string_view key);

bool iequals(std::string_view a, std::string_view b) noexcept;
std::string_view trim(std::string_view s) noexcept;
// Splits on single spaces, keeping no empty fields (the classic watchdog's fprocess rule).
std::vector<std::string> split_spaces(std::string_view s);

std::string base64_encode(std::string_view data);
// Appends the base64 of `data` to `out` (standard alphabet, padded).
void base64_append(std::string& out, std::string_view data);
std::optional<std::string> base64_decode(std::string_view data);
std::string hex_encode(std::span<const unsigned char> data);
// The value of one hex digit (either case), or -1 when `c` is not one.
int hex_digit(char c) noexcept;
// Hex digits (either case) back to bytes; nullopt on an odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view hex);

// "%f" formatting of seconds, as Go's fmt "%f" (6 decimals).
std::string seconds_fixed6(double seconds);

// Human-readable size as the of-watchdog access log prints it ("1.2 kB", "13 B").
std::string human_bytes(std::uint64_t n);

// Every byte for which `keep` is false as "%XX" (upper-case hex); the rest as they are.
std::string percent_encode(std::string_view s, bool (*keep)(char));

// The whole of `s` as a decimal unsigned integer (no sign, no spaces); nullopt when empty, when
// anything else is in it, or when it does not fit.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

// Splits a `sep`-separated list ("a, b,,c"): each item trimmed, empty items skipped.
std::vector<std::string> split_list(std::string_view s, char sep);

}  // namespace faas::text
