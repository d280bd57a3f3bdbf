#include "core/http/respond.hpp"

#include <utility>

namespace faas::http {

Response error_response(const Error& error) {
    return text_error(http_status(error.code), error.what());
}

Response not_found_response() { return text_error(404, "404 page not found"); }

Response method_not_allowed_response() { return text_error(405, "Method Not Allowed"); }

awaitable<void> send(Exchange& ex, Response response) {
    // The Status only says the client is gone (see the header): nothing to do with it.
    const Status written = co_await ex.respond(std::move(response));
    static_cast<void>(written);
}

}  // namespace faas::http
