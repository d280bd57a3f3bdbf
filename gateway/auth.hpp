#pragma once
// Basic auth for /system/* and /ui/ (docs/wire-contract.md §1.4): the user must be equal and the
// password constant-time equal to the secret files; the same credentials are sent to the
// provider on the gateway's own calls.
#include <optional>
#include <string>
#include <string_view>

#include "core/http/types.hpp"

namespace faas::gateway {

struct Credentials {
    std::string user;
    std::string password;
};

// Reads <dir>/basic-auth-user and <dir>/basic-auth-password (whitespace trimmed). Throws
// config::ConfigError naming the file when one is missing or empty. Called once at start-up.
Credentials load_credentials(const std::string& dir);

// True when `authorization` is "Basic <base64(user:password)>" matching `c`.
bool authorized(const Credentials& c, std::optional<std::string_view> authorization);

// The Authorization header value for `c`.
std::string basic_header(const Credentials& c);

// 401, WWW-Authenticate: Basic realm="Restricted", body "invalid credentials".
http::Response unauthorized_response();

}  // namespace faas::gateway
