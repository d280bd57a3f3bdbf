#pragma once
// The queue-worker's configuration from the environment (docs/async.md, "queue-worker";
// README's configuration table). load() throws config::ConfigError naming the variable on a value
// that cannot work; main() turns that into one line and exit 2.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "callbacks/deliverer.hpp"
#include "callbacks/url_policy.hpp"
#include "core/config/env.hpp"
#include "core/openfaas/async.hpp"
#include "queue-worker/settings.hpp"

namespace faas::queue_worker {

struct Config {
    std::string nats_address = "127.0.0.1";  // faas_nats_address
    std::uint16_t nats_port = 4222;          // faas_nats_port
    bool nats_send_asap = false;             // nats_send_asap (nats::ConnectOptions::send_asap)
    openfaas::async::StreamSettings streams;
    std::string gateway_address = "127.0.0.1";  // faas_gateway_address
    std::uint16_t gateway_port = 8080;          // faas_gateway_port
    // queues: the queues to consume; empty: every queue, discovered every 2 s.
    std::vector<std::string> queues;
    int max_inflight = openfaas::async::kDefaultMaxInflight;  // messages held at once
    std::chrono::nanoseconds ack_wait = openfaas::async::kDefaultAckWait;
    std::chrono::nanoseconds upstream_timeout = std::chrono::minutes(5);  // one call
    // running_status_delay: a call still running this long after it started gets its `running`
    // record; a quicker one goes from queued straight to its outcome (one stored message less
    // per call). 0: at once.
    std::chrono::nanoseconds running_status_delay = std::chrono::milliseconds(100);
    // Defaults of the per-function settings: max_retry_attempts, initial_retry_wait,
    // max_retry_wait, retry_http_codes, max_event_age.
    FunctionSettings defaults;
    std::string callback_secret;  // the bytes of callback_secret_file; empty: unsigned
    callbacks::UrlPolicy callback_policy;
    callbacks::DeliveryOptions callback;
    int metrics_port = 8083;  // 0: a free port; -1: no metrics server
    std::string bind_address = "0.0.0.0";  // where the metrics server listens
    std::string log_level = "info";
    // How often queues are discovered and their depth read.
    std::chrono::milliseconds discovery_interval{2000};
    // How long in-flight calls may finish after SIGTERM.
    std::chrono::nanoseconds drain = std::chrono::seconds(30);
};

Config load(const config::Env& env);

}  // namespace faas::queue_worker
