#pragma once
// How the gateway reaches its provider (docs/contracts.md). ProviderLink is where: the functions
// and logs provider's endpoints, their URL path prefixes and the Authorization the gateway sends;
// built once at start, immutable, read by every thread. ProviderClient makes the calls from one
// I/O thread over that thread's ClientPool (one per thread, never shared).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/http/basic_auth.hpp"
#include "core/http/client.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"
#include "gateway/config.hpp"

namespace faas::gateway {

struct ProviderLink {
    // Throws config::ConfigError when a provider URL is not an http:// URL.
    ProviderLink(const Config& config, const std::optional<http::Credentials>& credentials);

    http::Endpoint endpoint;
    std::string prefix;  // the provider URL's path without its trailing '/'
    http::Endpoint logs;
    std::string logs_prefix;
    std::string authorization;  // sent on every call to the provider, "" without basic auth
};

class ProviderClient {
public:
    ProviderClient(const ProviderLink& link, http::ClientPool& pool) : link_(link), pool_(pool) {}

    // GET or POST (a JSON body) `target` below the provider's URL path.
    awaitable<Result<http::Response>> get(std::string target, std::chrono::nanoseconds timeout);
    awaitable<Result<http::Response>> post(std::string target,
                                           std::string json_body,
                                           std::chrono::nanoseconds timeout);

    // GET /system/function/<name>?namespace=<ns>: a function the endpoint list does not show
    // (yet). `status` is set when it is deployed; otherwise `reason` says why not.
    struct Lookup {
        std::optional<openfaas::FunctionStatus> status;
        std::string reason;
    };
    awaitable<Lookup> lookup_function(std::string name,
                                      std::string ns,
                                      std::chrono::nanoseconds timeout);

    // POST /system/scale-function/<name>?namespace=<ns> asking for `replicas`; the provider's
    // answer as it came (callers judge its status).
    awaitable<Result<http::Response>> scale(std::string name,
                                            std::string ns,
                                            std::uint64_t replicas);

    // Relays the caller's exchange to the functions provider (or the logs provider) with the
    // gateway's credentials; `options.target` is taken below the provider's URL path, the
    // exchange's own target when empty.
    awaitable<Result<http::ForwardResult>> relay(http::Exchange& ex, http::ForwardOptions options);
    awaitable<Result<http::ForwardResult>> relay_logs(http::Exchange& ex,
                                                      http::ForwardOptions options);

private:
    awaitable<Result<http::Response>> call(std::string_view method,
                                           std::string target,
                                           std::string body,
                                           std::chrono::nanoseconds timeout);
    void prepare_relay(http::ForwardOptions& options,
                       const http::Exchange& ex,
                       std::string_view prefix) const;

    const ProviderLink& link_;
    http::ClientPool& pool_;
};

}  // namespace faas::gateway
