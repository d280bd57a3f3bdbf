#pragma once
// The one way to include Asio: Boost 1.74's awaitable.hpp uses std::exchange without including
// <utility>, so it must come first. Components include this, never <boost/asio.hpp>.
#include <utility>

#include <boost/asio.hpp>

namespace asio = boost::asio;

namespace faas {
template <class T = void>
using awaitable = asio::awaitable<T>;
using asio::use_awaitable;
}  // namespace faas
