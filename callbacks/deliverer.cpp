#include "callbacks/deliverer.hpp"

#include <utility>

namespace faas::callbacks {

using boost::system::error_code;
using tcp = asio::ip::tcp;

std::string_view result_name(DeliveryResult r) noexcept {
    switch (r) {
        case DeliveryResult::Delivered:
            return "delivered";
        case DeliveryResult::Failed:
            return "failed";
        case DeliveryResult::Refused:
            return "refused";
    }
    return "failed";
}

bool retry_callback_status(int status) noexcept {
    return status == 408 || status == 429 || status >= 500;
}

namespace {

// The Host header of `url`: the name as written, with the port unless it is 80.
std::string host_header(const http::Url& url) {
    const std::string& host = url.endpoint.host;
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (url.endpoint.port != 80) {
        out += ":" + std::to_string(url.endpoint.port);
    }
    return out;
}

}  // namespace

Deliverer::Deliverer(http::ClientPool& pool,
                     UrlPolicy policy,
                     std::string secret,
                     DeliveryOptions options,
                     std::uint64_t seed)
    : pool_(pool),
      policy_(std::move(policy)),
      secret_(std::move(secret)),
      options_(options),
      rng_(seed) {}

awaitable<Result<std::vector<asio::ip::address>>> Deliverer::allowed_addresses(
    const http::Url& url) {
    std::vector<asio::ip::address> resolved;
    error_code ec;
    const auto literal = asio::ip::make_address(url.endpoint.host, ec);
    if (!ec) {
        resolved.push_back(literal);
    } else {
        tcp::resolver resolver(co_await asio::this_coro::executor);
        const std::string port = std::to_string(url.endpoint.port);
        auto results = co_await resolver.async_resolve(url.endpoint.host, port,
                                                       asio::redirect_error(use_awaitable, ec));
        if (ec) {
            co_return make_error(errc::unavailable,
                                 "resolving " + url.endpoint.host + ": " + ec.message());
        }
        for (const auto& entry : results) {
            resolved.push_back(entry.endpoint().address());
        }
    }
    std::vector<asio::ip::address> allowed;
    std::string refusal;
    for (const auto& address : resolved) {
        auto checked = policy_.check_address(url.endpoint.host, address);
        if (checked) {
            allowed.push_back(address);
        } else if (refusal.empty()) {
            refusal = checked.error().what();
        }
    }
    if (allowed.empty()) {
        co_return make_error(errc::bad_request,
                             refusal.empty() ? "no address for " + url.endpoint.host : refusal);
    }
    co_return allowed;
}

awaitable<Result<http::Response>> Deliverer::attempt(const http::Url& url,
                                                     const http::Request& req) {
    auto addresses = co_await allowed_addresses(url);
    if (!addresses) {
        co_return addresses.error();
    }
    http::CallOptions call;
    call.timeout = options_.timeout;
    Error last = make_error(errc::connect_failed, "no address");
    for (const auto& address : addresses.value()) {
        http::Endpoint endpoint{address.to_string(), url.endpoint.port};
        auto sending = pool_.request(std::move(endpoint), req, call);
        auto answered = co_await std::move(sending);
        if (answered || answered.error().code != errc::connect_failed) {
            co_return answered;
        }
        last = answered.error();
    }
    co_return last;
}

awaitable<Delivery> Deliverer::deliver(std::string url, CallResult result) {
    Delivery out;
    auto checked = policy_.check_url(url);
    if (!checked) {
        out.result = DeliveryResult::Refused;
        out.error = checked.error().what();
        co_return out;
    }
    const http::Url& target = checked.value();
    http::Request req = build_request(std::move(result), target, secret_);
    req.headers.set("Host", host_header(target));
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        ++out.attempts;
        auto answered = co_await attempt(target, req);
        if (answered) {
            out.status = answered->status;
            if (out.status >= 200 && out.status < 300) {
                out.result = DeliveryResult::Delivered;
                out.error.clear();
                co_return out;
            }
            out.error = "receiver answered " + std::to_string(out.status);
            if (!retry_callback_status(out.status)) {
                out.result = DeliveryResult::Failed;
                co_return out;
            }
        } else if (answered.error().code == errc::bad_request) {
            // The policy refused every address the host resolves to: never sent.
            out.result = DeliveryResult::Refused;
            out.error = answered.error().what();
            --out.attempts;
            co_return out;
        } else {
            out.error = answered.error().what();
        }
        const auto delay = options_.backoff.delay(out.attempts, rng_);
        if (!delay) {
            out.result = DeliveryResult::Failed;
            co_return out;
        }
        timer.expires_after(*delay);
        error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
}

}  // namespace faas::callbacks
