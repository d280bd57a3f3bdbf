#pragma once
// faas::errc: the domain errors every component returns, and the one mapping to HTTP status.
#include <string>
#include <system_error>

namespace faas {
// NOLINTBEGIN(readability-identifier-naming): lower_case like std::errc, which errc mirrors
enum class errc {
    bad_request = 1,
    not_found,
    method_not_allowed,
    body_too_large,
    output_too_large,
    overloaded,
    timeout,
    unavailable,
    upstream_failed,
    // The connection to a peer could not be made: nothing was sent, so retrying elsewhere is safe.
    connect_failed,
    process_failed,
    conflict,
    unauthorized,
    internal,
};
// NOLINTEND(readability-identifier-naming)
const std::error_category& faas_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// The HTTP status a domain error is answered with; non-faas codes map to 500.
int http_status(std::error_code ec) noexcept;

}  // namespace faas

template <>
struct std::is_error_code_enum<faas::errc> : std::true_type {};
