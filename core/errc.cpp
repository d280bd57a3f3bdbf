#include "core/errc.hpp"

namespace faas {
namespace {

class FaasCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "faas"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::bad_request: return "bad request";
            case errc::not_found: return "not found";
            case errc::method_not_allowed: return "method not allowed";
            case errc::body_too_large: return "request body too large";
            case errc::output_too_large: return "function output too large";
            case errc::overloaded: return "too many requests";
            case errc::timeout: return "timed out";
            case errc::unavailable: return "unavailable";
            case errc::upstream_failed: return "upstream failed";
            case errc::connect_failed: return "connection failed";
            case errc::process_failed: return "process failed";
            case errc::conflict: return "conflict";
            case errc::unauthorized: return "unauthorized";
            case errc::internal: return "internal error";
        }
        return "unknown faas error";
    }
};

}  // namespace

const std::error_category& faas_category() noexcept {
    static const FaasCategory category;
    return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), faas_category()}; }

int http_status(std::error_code ec) noexcept {
    if (ec.category() != faas_category()) {
        return 500;
    }
    switch (static_cast<errc>(ec.value())) {
        case errc::bad_request: return 400;
        case errc::unauthorized: return 401;
        case errc::not_found: return 404;
        case errc::method_not_allowed: return 405;
        case errc::timeout: return 504;
        case errc::conflict: return 409;
        case errc::body_too_large: return 413;
        case errc::overloaded: return 429;
        case errc::unavailable: return 503;
        case errc::upstream_failed:
        case errc::connect_failed: return 502;
        case errc::output_too_large:
        case errc::process_failed:
        case errc::internal: return 500;
    }
    return 500;
}

}  // namespace faas
