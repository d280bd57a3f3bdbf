#include "gateway/config.hpp"

#include "core/http/client.hpp"

namespace faas::gateway {

namespace {

// The provider URL must be http://host[:port]/...; OpenFaaS concatenates "system/..." to it, so
// a missing trailing slash is added rather than refused.
std::string provider_url(const config::Env& env, const char* name, const std::string& fallback) {
    std::string url = env.string(name, fallback);
    if (url.empty()) {
        url = fallback;
    }
    auto parsed = http::parse_url(url);
    if (!parsed) {
        throw config::ConfigError(std::string(name) + "=" + url + ": " + parsed.error().what());
    }
    if (parsed->https) {
        throw config::ConfigError(std::string(name) + "=" + url + ": https is not supported");
    }
    if (url.back() != '/') {
        url.push_back('/');
    }
    return url;
}

}  // namespace

Config load(const config::Env& env) {
    using std::chrono::seconds;
    Config c;
    c.port = static_cast<std::uint16_t>(env.integer("port", 8080, 0, 65535));
    c.metrics_port = static_cast<int>(env.integer("metrics_port", 8082, -1, 65535));
    c.bind_address = env.string("bind_address", "0.0.0.0");
    if (c.bind_address.empty()) {
        c.bind_address = "0.0.0.0";
    }
    c.functions_provider_url =
        provider_url(env, "functions_provider_url", c.functions_provider_url);
    c.logs_provider_url = provider_url(env, "logs_provider_url", c.functions_provider_url);
    c.read_timeout = env.positive_duration("read_timeout", seconds(60), config::IfZero::UseDefault);
    c.write_timeout =
        env.positive_duration("write_timeout", seconds(60), config::IfZero::UseDefault);
    c.upstream_timeout =
        env.positive_duration("upstream_timeout", seconds(60), config::IfZero::UseDefault);
    c.basic_auth = env.flag("basic_auth", false);
    c.secret_mount_path = env.string("secret_mount_path", "/run/secrets/");
    if (c.secret_mount_path.empty()) {
        c.secret_mount_path = "/run/secrets/";
    }
    // Every shipped OpenFaaS install turns scale from zero on; so do we. Only "true" is true,
    // so the way to turn it off is any other value ("false").
    c.scale_from_zero = env.get("scale_from_zero").value_or("true") == "true";
    c.scale_from_zero_timeout =
        env.positive_duration("scale_from_zero_timeout", seconds(60), config::IfZero::UseDefault);
    c.function_namespace = env.string("function_namespace", "openfaas-fn");
    if (c.function_namespace.empty()) {
        c.function_namespace = "openfaas-fn";
    }
    c.max_idle_conns_per_host =
        static_cast<std::size_t>(env.integer("max_idle_conns_per_host", 1024, 0, 1'000'000));
    c.threads = static_cast<std::size_t>(env.integer("gateway_threads", 2, 1, 256));
    c.max_request_size = env.bytes("max_request_size", 32ULL << 20U);
    c.endpoints_wait =
        env.positive_duration("endpoints_wait", seconds(30), config::IfZero::UseDefault);
    if (c.endpoints_wait > seconds(60)) {
        c.endpoints_wait = seconds(60);
    }
    c.log_level = env.string("log_level", "info");
    c.nats_address = env.string("faas_nats_address", "");
    c.nats_port = static_cast<std::uint16_t>(env.integer("faas_nats_port", 4222, 1, 65535));
    c.nats_send_asap = env.flag("nats_send_asap", c.nats_send_asap);
    c.streams = openfaas::async::load_stream_settings(env);
    c.async_max_request_size = env.bytes("async_max_request_size", 1ULL << 20U);
    if (c.async_max_request_size == 0) {
        throw config::ConfigError("async_max_request_size=0: expected a size above zero");
    }
    c.async_batch_max_lines =
        static_cast<std::size_t>(env.integer("async_batch_max_lines", 10000, 1, 1'000'000));
    c.callback_policy = callbacks::UrlPolicy::from_env(env);
    return c;
}

}  // namespace faas::gateway
