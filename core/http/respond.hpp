#pragma once
// How a handler answers: the one mapping from a domain error to an HTTP answer, the two
// answers a router gives, and send(), which writes a whole response when nothing can be done
// about a failed write.
#include <string_view>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"

namespace faas::http {

// The answer to `error`: status from faas::http_status (errc::not_found 404, errc::timeout
// 504, errc::unavailable 503, any other category 500, ...), body its message as Go's
// http.Error writes it. A status that differs on purpose comes from the source choosing the
// errc that means it, never from remapping here.
Response error_response(const Error& error);

// 404 "404 page not found", as Go's http.NotFound.
Response not_found_response();
// 405 "Method Not Allowed" (no Allow header: the OpenFaaS components send none).
Response method_not_allowed_response();

// Writes `response` whole and ignores a failed write on purpose: it fails only when the client
// left or stalled past the write timeout, there is no one left to tell, and the server closes
// that connection after the exchange. Use it for every whole response whose write result the
// handler would not act on; use ex.respond() where it would (e.g. to stop a retry).
awaitable<void> send(Exchange& ex, Response response);

}  // namespace faas::http
