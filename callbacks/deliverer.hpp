#pragma once
// Deliverer: POSTs a finished async call's result to its callback URL (docs/async.md). The URL
// passes UrlPolicy::check_url, its host is resolved here and every address is checked with
// UrlPolicy::check_address; only addresses that passed are connected to (core's ClientPool given
// the address, with the URL's Host header), so DNS cannot point an allowed name at a private
// address. Failed attempts are retried with backoff and full jitter, then given up. One per io
// thread: it uses that thread's ClientPool.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "callbacks/request.hpp"
#include "callbacks/url_policy.hpp"
#include "core/asio.hpp"
#include "core/async/backoff.hpp"
#include "core/http/client.hpp"
#include "core/result.hpp"

namespace faas::callbacks {

struct DeliveryOptions {
    // callback_max_attempts, callback_initial_wait, callback_max_wait.
    async::Backoff backoff{std::chrono::seconds(1), std::chrono::seconds(30), 5};
    // callback_timeout: one attempt (connect, send, the whole answer).
    std::chrono::nanoseconds timeout = std::chrono::seconds(10);
};

enum class DeliveryResult {
    Delivered,  // the receiver answered 2xx
    Failed,     // every attempt failed, or the receiver answered a status not worth retrying
    Refused,    // the URL or every address it resolves to is not allowed (never sent)
};

// "delivered", "failed", "refused" (the faas_callbacks_total label).
std::string_view result_name(DeliveryResult r) noexcept;

struct Delivery {
    DeliveryResult result = DeliveryResult::Failed;
    int status = 0;     // the receiver's last status; 0 when it never answered
    int attempts = 0;   // requests tried (0 when refused)
    std::string error;  // why the last attempt failed; empty when delivered
};

// A status worth trying again: 408, 429 and 5xx (the receiver may recover); other 4xx is final.
bool retry_callback_status(int status) noexcept;

class Deliverer {
public:
    Deliverer(http::ClientPool& pool,
              UrlPolicy policy,
              std::string secret,
              DeliveryOptions options,
              std::uint64_t seed = std::random_device{}());

    // Delivers `result` to `url` (the raw X-Callback-Url). Never throws for network trouble.
    awaitable<Delivery> deliver(std::string url, CallResult result);

private:
    // The addresses of `url`'s host that the policy allows, in resolver order; an error when
    // resolution failed (errc::unavailable) or none is allowed (errc::bad_request, refused).
    awaitable<Result<std::vector<asio::ip::address>>> allowed_addresses(const http::Url& url);
    // One attempt: each allowed address in turn until one accepts the connection.
    awaitable<Result<http::Response>> attempt(const http::Url& url, const http::Request& req);

    http::ClientPool& pool_;
    UrlPolicy policy_;
    std::string secret_;
    DeliveryOptions options_;
    std::mt19937_64 rng_;
};

}  // namespace faas::callbacks
