#pragma once
// What a forked function receives besides its body: the Http_* environment variables of the
// classic/of-watchdog CGI contract, and the marshal_request JSON envelope.
#include <string>
#include <string_view>
#include <vector>

#include "core/http/exchange.hpp"

namespace faas::watchdog {

struct CgiOptions {
    bool classic = true;  // classic adds Http_ContentLength and Http_Host
};

// Appends "Http_*=value" entries for the request to `env`.
void append_cgi_env(std::vector<std::string>& env, const http::Exchange& ex, CgiOptions options);

// {"header":{"Name":["v",...]},"body":{"raw":"<base64>"},
//  "method":..,"path":..,"query":..,"host":..}
std::string marshal_request(const http::Exchange& ex, std::string_view body);

}  // namespace faas::watchdog
