#pragma once
// The gateway's configuration: OpenFaaS's gateway environment (docs/wire-contract.md §1.1)
// plus our own variables (docs/gateway.md). load() throws config::ConfigError on a value that
// cannot work; main() turns that into one line and exit 2.
#include <chrono>
#include <cstdint>
#include <string>

#include "callbacks/url_policy.hpp"
#include "core/config/env.hpp"
#include "core/openfaas/async.hpp"

namespace faas::gateway {

struct Config {
    std::uint16_t port = 8080;
    int metrics_port = 8082;  // -1: no metrics server
    std::string bind_address = "0.0.0.0";
    std::string functions_provider_url = "http://127.0.0.1:8081/";
    std::string logs_provider_url;  // empty: functions_provider_url
    std::chrono::nanoseconds read_timeout = std::chrono::seconds(60);
    std::chrono::nanoseconds write_timeout = std::chrono::seconds(60);
    std::chrono::nanoseconds upstream_timeout = std::chrono::seconds(60);
    bool basic_auth = false;
    std::string secret_mount_path = "/run/secrets/";
    bool scale_from_zero = true;
    std::chrono::nanoseconds scale_from_zero_timeout = std::chrono::seconds(60);
    std::string function_namespace = "openfaas-fn";
    std::size_t max_idle_conns_per_host = 1024;
    std::size_t threads = 2;
    std::uint64_t max_request_size = 32ULL << 20U;
    // How long one /system/endpoints long poll may be held by the provider.
    std::chrono::nanoseconds endpoints_wait = std::chrono::seconds(30);
    std::string log_level = "info";

    // Async calls (docs/async.md). An empty nats_address turns them off (503 on their routes).
    std::string nats_address;
    std::uint16_t nats_port = 4222;
    bool nats_send_asap = false;  // nats_send_asap (nats::ConnectOptions::send_asap)
    openfaas::async::StreamSettings streams;
    std::uint64_t async_max_request_size = 1ULL << 20U;
    std::size_t async_batch_max_lines = 10000;
    callbacks::UrlPolicy callback_policy;  // callback_allow_hosts
};

Config load(const config::Env& env);

}  // namespace faas::gateway
