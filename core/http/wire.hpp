#pragma once
// Writing HTTP/1.1 heads by hand (faster than Beast's serializer and keeps its templates out of
// most files). Internal to core/http.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/types.hpp"

namespace faas::http::wire {

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), cached per second.
std::string_view date_now();

// Appends "HTTP/1.x <status> <reason>\r\n" and the headers, skipping framing headers
// (Content-Length, Transfer-Encoding, Connection, Keep-Alive) which the caller decides.
void append_status_line(std::string& out, unsigned version, int status);
void append_headers(std::string& out, const Headers& headers, bool skip_framing);
void append_header(std::string& out, std::string_view name, std::string_view value);

// Appends a chunk-size line for `n` bytes.
void append_chunk_size(std::string& out, std::size_t n);

// True for the statuses that never carry a body (1xx, 204, 304).
bool status_has_no_body(int status) noexcept;

}  // namespace faas::http::wire
