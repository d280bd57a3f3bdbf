#pragma once
// The one way to include Asio: Boost 1.74's awaitable.hpp uses std::exchange without including
// <utility>, so it must come first. Components include this, never <boost/asio.hpp>.
//
// The coroutine rule (g++ 12, our compiler): no temporary with a non-trivial destructor inside a
// `co_await` expression. g++ before 13 can destroy such a temporary twice (ASan: a double free;
// without ASan: a silently corrupt heap): GCC PR 100611 (a lambda with captures built in the
// co_await) and PR 101367 (a braced temporary holding one), both fixed in GCC 13. We have hit it
// with braced aggregates, capturing lambdas and `?:` over heap-allocated strings. So inside
// `co_await ...` pass only named locals (std::move them into by-value parameters) and trivial
// values; build the value on the line before:
//
//     http::Response res{200, {}, body};             // not: co_await ex.respond({200, {}, body})
//     auto sent = co_await ex.respond(std::move(res));
//
// Never inside a co_await expression: braced temporaries (`T{...}`, `{...}` for a parameter),
// capturing lambdas (also as a std::function), strings made there (`std::string(...)`, `+`,
// `e.what()`, a literal for a `const std::string&`), `?:` over non-trivial types.
#include <utility>

#include <boost/asio.hpp>

namespace asio = boost::asio;

namespace faas {
template <class T = void>
using awaitable = asio::awaitable<T>;
using asio::use_awaitable;
}  // namespace faas
