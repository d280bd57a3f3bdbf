#include "queue-worker/config.hpp"

#include <fstream>
#include <sstream>

#include "core/text/text.hpp"

namespace faas::queue_worker {

namespace {

std::chrono::milliseconds millis(std::chrono::nanoseconds d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// A duration that must be positive: zero stops the start; OpenFaaS's rule (unparsable ->
// default) otherwise.
std::chrono::nanoseconds positive(const config::Env& env,
                                  std::string_view name,
                                  std::chrono::nanoseconds fallback) {
    return env.positive_duration(name, fallback, config::IfZero::Fail);
}

std::string read_secret(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config::ConfigError("callback_secret_file: cannot read " + path);
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

}  // namespace

Config load(const config::Env& env) {
    Config c;
    c.nats_address = env.string("faas_nats_address", c.nats_address);
    if (c.nats_address.empty()) {
        throw config::ConfigError("faas_nats_address: want the NATS server's host");
    }
    c.nats_port = static_cast<std::uint16_t>(env.integer("faas_nats_port", 4222, 1, 65535));
    c.nats_send_asap = env.flag("nats_send_asap", c.nats_send_asap);
    c.streams = openfaas::async::load_stream_settings(env);
    c.gateway_address = env.string("faas_gateway_address", c.gateway_address);
    c.gateway_port = static_cast<std::uint16_t>(env.integer("faas_gateway_port", 8080, 1, 65535));
    for (auto& item : text::split_list(env.string("queues"), ',')) {
        if (auto ok = openfaas::async::check_queue_name(item); !ok) {
            throw config::ConfigError("queues: " + ok.error().what());
        }
        c.queues.push_back(std::move(item));
    }
    c.max_inflight = static_cast<int>(env.integer("max_inflight", c.max_inflight, 1, 100000));
    c.ack_wait = positive(env, "ack_wait", c.ack_wait);
    c.upstream_timeout = positive(env, "upstream_timeout", c.upstream_timeout);
    c.running_status_delay = env.duration("running_status_delay", c.running_status_delay);
    if (c.running_status_delay.count() < 0) {
        throw config::ConfigError("running_status_delay: want a duration, 0 or more");
    }

    FunctionSettings& d = c.defaults;
    d.retry.max_attempts = static_cast<int>(env.integer("max_retry_attempts", 10, 1, 1000));
    d.retry.initial_delay = millis(positive(env, "initial_retry_wait", std::chrono::seconds(1)));
    d.retry.max_delay = millis(positive(env, "max_retry_wait", std::chrono::seconds(60)));
    if (d.retry.max_delay < d.retry.initial_delay) {
        throw config::ConfigError("max_retry_wait: must not be shorter than initial_retry_wait");
    }
    if (auto codes = env.get("retry_http_codes"); codes && !text::trim(*codes).empty()) {
        auto parsed = parse_status_list(*codes);
        if (!parsed) {
            throw config::ConfigError("retry_http_codes: want a comma list of HTTP statuses");
        }
        d.retry_codes = std::move(*parsed);
    }
    d.max_age = positive(env, "max_event_age", std::chrono::hours(6));

    if (auto path = env.string("callback_secret_file"); !path.empty()) {
        c.callback_secret = read_secret(path);
    }
    c.callback_policy = callbacks::UrlPolicy::from_env(env);
    c.callback.backoff.max_attempts =
        static_cast<int>(env.integer("callback_max_attempts", 5, 1, 100));
    c.callback.backoff.initial_delay =
        millis(positive(env, "callback_initial_wait", std::chrono::seconds(1)));
    c.callback.backoff.max_delay =
        millis(positive(env, "callback_max_wait", std::chrono::seconds(30)));
    c.callback.timeout = positive(env, "callback_timeout", std::chrono::seconds(10));
    c.metrics_port = static_cast<int>(env.integer("metrics_port", 8083, -1, 65535));
    c.bind_address = env.string("bind_address", "0.0.0.0");
    if (c.bind_address.empty()) {
        c.bind_address = "0.0.0.0";
    }
    c.log_level = env.string("log_level", "info");
    return c;
}

}  // namespace faas::queue_worker
