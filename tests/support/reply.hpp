#pragma once
// reply(): answers an Exchange from a test handler. The Response is built in a named local on
// purpose: g++ 12 miscompiles an aggregate temporary built with braces and passed by value to
// a coroutine inside a co_await (`co_await ex.respond(Response{...})` frees a pointer into the
// caller's frame; see tests/unit/core/http_server_test.cpp "g++ 12" case).
#include <string>
#include <utility>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"

namespace faas::test {

inline awaitable<void> reply(http::Exchange& ex,
                             int status,
                             std::string body,
                             http::Headers headers) {
    http::Response r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    (void)co_await ex.respond(std::move(r));
}

inline awaitable<void> reply(http::Exchange& ex, int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    (void)co_await ex.respond(std::move(r));
}

}  // namespace faas::test
