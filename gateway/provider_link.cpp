#include "gateway/provider_link.hpp"

namespace faas::gateway {

namespace {

std::string path_prefix(const std::string& url_path) {
    std::string p = url_path;
    while (!p.empty() && p.back() == '/') {
        p.pop_back();
    }
    return p;
}

}  // namespace

ProviderLink::ProviderLink(const Config& config,
                           const std::optional<http::Credentials>& credentials) {
    auto provider = http::parse_url(config.functions_provider_url);
    // An empty logs_provider_url means the functions provider serves the logs too.
    const std::string& logs_at =
        config.logs_provider_url.empty() ? config.functions_provider_url : config.logs_provider_url;
    auto logs_url = http::parse_url(logs_at);
    if (!provider || !logs_url) {
        throw config::ConfigError("functions_provider_url/logs_provider_url: not an http:// URL");
    }
    endpoint = provider->endpoint;
    prefix = path_prefix(provider->path);
    logs = logs_url->endpoint;
    logs_prefix = path_prefix(logs_url->path);
    if (credentials) {
        authorization = http::basic_header(*credentials);
    }
}

awaitable<Result<http::Response>> ProviderClient::call(std::string_view method,
                                                       std::string target,
                                                       std::string body,
                                                       std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = std::string(method);
    req.target = link_.prefix + target;
    req.body = std::move(body);
    if (!req.body.empty()) {
        req.headers.set("Content-Type", "application/json");
    }
    if (!link_.authorization.empty()) {
        req.headers.set("Authorization", link_.authorization);
    }
    http::CallOptions options;
    options.timeout = timeout;
    co_return co_await pool_.request(link_.endpoint, std::move(req), options);
}

awaitable<Result<http::Response>> ProviderClient::get(std::string target,
                                                      std::chrono::nanoseconds timeout) {
    std::string no_body;
    co_return co_await call("GET", std::move(target), std::move(no_body), timeout);
}

awaitable<Result<http::Response>> ProviderClient::post(std::string target,
                                                       std::string json_body,
                                                       std::chrono::nanoseconds timeout) {
    co_return co_await call("POST", std::move(target), std::move(json_body), timeout);
}

awaitable<ProviderClient::Lookup> ProviderClient::lookup_function(
    std::string name, std::string ns, std::chrono::nanoseconds timeout) {
    Lookup out;
    std::string target = "/system/function/" + name + "?namespace=" + ns + "&usage=false";
    auto r = co_await get(std::move(target), timeout);
    if (!r) {
        out.reason = r.error().what();
        co_return out;
    }
    if (r->status == 404) {
        out.reason = "not found";
        co_return out;
    }
    if (r->status != 200) {
        out.reason = "provider answered " + std::to_string(r->status);
        co_return out;
    }
    auto status = openfaas::parse_status(r->body);
    if (!status) {
        out.reason = "the provider's answer is not valid: " + status.error().what();
        co_return out;
    }
    out.status = std::move(status).value();
    co_return out;
}

awaitable<Result<http::Response>> ProviderClient::scale(std::string name,
                                                        std::string ns,
                                                        std::uint64_t replicas) {
    openfaas::ScaleServiceRequest req;
    req.service_name = name;
    req.namespace_ = ns;
    req.replicas = replicas;
    std::string body = openfaas::to_json(req);
    std::string target = "/system/scale-function/" + name + "?namespace=" + ns;
    co_return co_await post(std::move(target), std::move(body), std::chrono::seconds(10));
}

void ProviderClient::prepare_relay(http::ForwardOptions& options,
                                   const http::Exchange& ex,
                                   std::string_view prefix) const {
    const std::string_view target = options.target.empty() ? ex.target() : options.target;
    options.target = std::string(prefix) + std::string(target);
    if (!link_.authorization.empty()) {
        options.request_headers.set("Authorization", link_.authorization);
    }
}

awaitable<Result<http::ForwardResult>> ProviderClient::relay(http::Exchange& ex,
                                                             http::ForwardOptions options) {
    prepare_relay(options, ex, link_.prefix);
    co_return co_await pool_.forward(ex, link_.endpoint, options);
}

awaitable<Result<http::ForwardResult>> ProviderClient::relay_logs(http::Exchange& ex,
                                                                  http::ForwardOptions options) {
    prepare_relay(options, ex, link_.logs_prefix);
    co_return co_await pool_.forward(ex, link_.logs, options);
}

}  // namespace faas::gateway
