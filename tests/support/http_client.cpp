#include "tests/support/http_client.hpp"

namespace faas::test {
namespace {

// The test bound: the call's own timeout plus slack for the client to report it.
std::chrono::nanoseconds bound_for(std::chrono::nanoseconds timeout) {
    return timeout + std::chrono::seconds(2);
}

}  // namespace

SyncClient::SyncClient() = default;

SyncClient::~SyncClient() = default;

Result<http::Response> SyncClient::call(std::uint16_t port,
                                        http::Request req,
                                        std::chrono::nanoseconds timeout) {
    http::CallOptions options;
    options.timeout = timeout;
    options.max_response_bytes = 256U << 20U;
    auto r = client_.call_within(http::Endpoint{"127.0.0.1", port}, std::move(req), options,
                                 bound_for(timeout));
    if (!r) {
        throw std::runtime_error("operation did not finish within the test bound");
    }
    return std::move(*r);
}

Result<http::Response> SyncClient::get(std::uint16_t port,
                                       std::string target,
                                       std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = "GET";
    req.target = std::move(target);
    return call(port, std::move(req), timeout);
}

Result<http::Response> SyncClient::post(std::uint16_t port,
                                        std::string target,
                                        std::string body,
                                        http::Headers headers,
                                        std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = "POST";
    req.target = std::move(target);
    req.headers = std::move(headers);
    req.body = std::move(body);
    return call(port, std::move(req), timeout);
}

Result<http::Response> http_call(std::uint16_t port,
                                 http::Request req,
                                 std::chrono::nanoseconds timeout) {
    SyncClient client;
    return client.call(port, std::move(req), timeout);
}

Result<http::Response> http_get(std::uint16_t port,
                                std::string target,
                                std::chrono::nanoseconds timeout) {
    SyncClient client;
    return client.get(port, std::move(target), timeout);
}

Result<http::Response> http_post(std::uint16_t port,
                                 std::string target,
                                 std::string body,
                                 http::Headers headers,
                                 std::chrono::nanoseconds timeout) {
    SyncClient client;
    return client.post(port, std::move(target), std::move(body), std::move(headers), timeout);
}

int status_of_get(std::uint16_t port, std::string target, std::chrono::nanoseconds timeout) {
    auto r = http_get(port, std::move(target), timeout);
    return r ? r->status : 0;
}

}  // namespace faas::test
