// gateway/config: OpenFaaS gateway env names and defaults plus ours.
#include "gateway/config.hpp"

#include <map>

#include <doctest/doctest.h>

#include "tests/support/env.hpp"

using faas::config::ConfigError;
using faas::test::env_of;
using faas::gateway::load;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("gateway.config");

TEST_CASE("config: defaults match the documented ones") {
    const auto c = load(env_of({}));
    CHECK(c.port == 8080);
    CHECK(c.metrics_port == 8082);
    CHECK(c.bind_address == "0.0.0.0");
    CHECK(c.functions_provider_url == "http://127.0.0.1:8081/");
    CHECK(c.logs_provider_url == c.functions_provider_url);
    CHECK(c.upstream_timeout == 60s);
    CHECK(c.read_timeout == 60s);
    CHECK(c.write_timeout == 60s);
    CHECK_FALSE(c.basic_auth);
    CHECK(c.scale_from_zero);
    CHECK(c.scale_from_zero_timeout == 60s);
    CHECK(c.function_namespace == "openfaas-fn");
    CHECK(c.threads == 2);
    CHECK(c.max_request_size == 32ULL << 20U);
}

TEST_CASE("config: values are read with OpenFaaS's rules") {
    const auto c = load(env_of({{"port", "0"},
                                {"functions_provider_url", "http://127.0.0.1:9000"},
                                {"logs_provider_url", "http://logs:9001/base/"},
                                {"upstream_timeout", "1m30s"},
                                {"read_timeout", "5"},
                                {"basic_auth", "true"},
                                {"scale_from_zero", "false"},
                                {"scale_from_zero_timeout", "500ms"},
                                {"gateway_threads", "4"},
                                {"max_request_size", "1Mi"},
                                {"metrics_port", "-1"}}));
    CHECK(c.port == 0);
    CHECK(c.functions_provider_url == "http://127.0.0.1:9000/");
    CHECK(c.logs_provider_url == "http://logs:9001/base/");
    CHECK(c.upstream_timeout == 90s);
    CHECK(c.read_timeout == 5s);
    CHECK(c.basic_auth);
    CHECK_FALSE(c.scale_from_zero);
    CHECK(c.scale_from_zero_timeout == 500ms);
    CHECK(c.threads == 4);
    CHECK(c.max_request_size == 1U << 20U);
    CHECK(c.metrics_port == -1);
    // Only the literal "true" is true (the gateway's rule).
    CHECK_FALSE(load(env_of({{"basic_auth", "1"}})).basic_auth);
    // Unparsable durations fall back to the default, as OpenFaaS does.
    CHECK(load(env_of({{"upstream_timeout", "soon"}})).upstream_timeout == 60s);
}

TEST_CASE("config: values that cannot work are one-line errors naming the variable") {
    CHECK_THROWS_WITH_AS(load(env_of({{"port", "http"}})), doctest::Contains("port="), ConfigError);
    CHECK_THROWS_WITH_AS(load(env_of({{"functions_provider_url", "https://x/"}})),
                         doctest::Contains("functions_provider_url="), ConfigError);
    CHECK_THROWS_WITH_AS(load(env_of({{"gateway_threads", "0"}})),
                         doctest::Contains("gateway_threads="), ConfigError);
    CHECK_THROWS_WITH_AS(load(env_of({{"faas_nats_port", "0"}})),
                         doctest::Contains("faas_nats_port="), ConfigError);
    CHECK_THROWS_WITH_AS(load(env_of({{"async_max_request_size", "lots"}})),
                         doctest::Contains("async_max_request_size"), ConfigError);
    CHECK_THROWS_WITH_AS(load(env_of({{"callback_allow_hosts", "10.0.0.0/99"}})),
                         doctest::Contains("callback_allow_hosts"), ConfigError);
}

TEST_CASE("config: async calls are off without faas_nats_address and read their settings") {
    const auto off = load(env_of({}));
    CHECK(off.nats_address.empty());
    CHECK(off.nats_port == 4222);
    CHECK(off.async_max_request_size == 1ULL << 20U);
    CHECK(off.async_batch_max_lines == 10000);
    CHECK(off.streams.request_stream == "faas-request");
    const auto on = load(env_of({{"faas_nats_address", "nats.local"},
                                 {"faas_nats_port", "4333"},
                                 {"faas_nats_channel", "jobs"},
                                 {"async_max_request_size", "64Ki"},
                                 {"async_batch_max_lines", "5"}}));
    CHECK(on.nats_address == "nats.local");
    CHECK(on.nats_port == 4333);
    CHECK(on.streams.request_stream == "jobs");
    CHECK(on.async_max_request_size == std::uint64_t{64} * 1024U);
    CHECK(on.async_batch_max_lines == 5);
}

TEST_SUITE_END();
