#pragma once
// HTTP basic auth with the OpenFaaS secret files: the gateway guards /system/* and /ui/ with
// it and sends the same credentials on its own calls to the provider, which guards /system/*.
#include <optional>
#include <string>
#include <string_view>

#include "core/http/types.hpp"

namespace faas::http {

struct Credentials {
    std::string user;
    std::string password;
};

// Reads <dir>/basic-auth-user and <dir>/basic-auth-password, whitespace trimmed. Throws
// config::ConfigError naming the file when one cannot be read or is empty. Called at start-up.
Credentials load_credentials(const std::string& dir);

// True when `authorization` (the header value) is "Basic <base64(user:password)>" (scheme in
// any case) matching `c`. User and password are both compared in constant time, every time, so
// the answer's timing tells neither which one was wrong nor how much of it matched.
bool authorized(const Credentials& c, std::optional<std::string_view> authorization);

// The Authorization header value that carries `c`.
std::string basic_header(const Credentials& c);

// 401 with WWW-Authenticate: Basic realm="Restricted" and the body "invalid credentials".
Response unauthorized_response();

}  // namespace faas::http
