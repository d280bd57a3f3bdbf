// queue-worker/config: the worker's environment, its defaults and bad values.
#include "queue-worker/config.hpp"

#include <map>

#include <doctest/doctest.h>

#include "tests/support/env.hpp"
#include "tests/support/temp_dir.hpp"

namespace qw = faas::queue_worker;
using faas::config::ConfigError;
using namespace std::chrono_literals;

using faas::test::env_of;

TEST_SUITE_BEGIN("queue_worker.config");

TEST_CASE("queue-worker config: the documented defaults") {
    const auto c = qw::load(env_of({}));
    CHECK(c.nats_address == "127.0.0.1");
    CHECK(c.nats_port == 4222);
    CHECK(c.streams.request_stream == "faas-request");
    CHECK(c.gateway_address == "127.0.0.1");
    CHECK(c.gateway_port == 8080);
    CHECK(c.queues.empty());
    CHECK(c.max_inflight == 50);
    CHECK(c.ack_wait == 60s);
    CHECK(c.upstream_timeout == 5min);
    CHECK(c.running_status_delay == 100ms);
    CHECK_FALSE(c.nats_send_asap);
    CHECK(c.defaults.retry.max_attempts == 10);
    CHECK(c.defaults.retry.initial_delay == 1s);
    CHECK(c.defaults.retry.max_delay == 60s);
    CHECK(c.defaults.retry_codes == std::vector<int>{429, 502, 503, 504});
    CHECK(c.defaults.max_age == 6h);
    CHECK(c.callback_secret.empty());
    CHECK(c.callback.backoff.max_attempts == 5);
    CHECK(c.callback.backoff.initial_delay == 1s);
    CHECK(c.callback.backoff.max_delay == 30s);
    CHECK(c.callback.timeout == 10s);
    CHECK(c.metrics_port == 8083);
}

TEST_CASE("queue-worker config: every variable is read") {
    faas::test::TempDir dir;
    const auto secret = dir.write("secret", "s3cret\n");
    const auto c = qw::load(env_of({{"faas_nats_address", "nats.local"},
                                    {"faas_nats_port", "4333"},
                                    {"faas_nats_channel", "requests"},
                                    {"faas_gateway_address", "gw"},
                                    {"faas_gateway_port", "9090"},
                                    {"queues", "default, slow ,"},
                                    {"max_inflight", "7"},
                                    {"ack_wait", "3s"},
                                    {"upstream_timeout", "90"},
                                    {"max_retry_attempts", "3"},
                                    {"initial_retry_wait", "100ms"},
                                    {"max_retry_wait", "2s"},
                                    {"retry_http_codes", "500,503"},
                                    {"max_event_age", "1h"},
                                    {"callback_secret_file", secret.string()},
                                    {"callback_max_attempts", "2"},
                                    {"callback_initial_wait", "10ms"},
                                    {"callback_max_wait", "20ms"},
                                    {"callback_timeout", "1s"},
                                    {"metrics_port", "0"}}));
    CHECK(c.nats_address == "nats.local");
    CHECK(c.nats_port == 4333);
    CHECK(c.streams.request_stream == "requests");
    CHECK(c.gateway_address == "gw");
    CHECK(c.gateway_port == 9090);
    CHECK(c.queues == std::vector<std::string>{"default", "slow"});
    CHECK(c.max_inflight == 7);
    CHECK(c.ack_wait == 3s);
    CHECK(c.upstream_timeout == 90s);
    CHECK(c.defaults.retry.max_attempts == 3);
    CHECK(c.defaults.retry.initial_delay == 100ms);
    CHECK(c.defaults.retry.max_delay == 2s);
    CHECK(c.defaults.retry_codes == std::vector<int>{500, 503});
    CHECK(c.defaults.max_age == 1h);
    CHECK(c.callback_secret == "s3cret\n");  // the file's bytes, as they are
    CHECK(c.callback.backoff.max_attempts == 2);
    CHECK(c.callback.backoff.initial_delay == 10ms);
    CHECK(c.callback.backoff.max_delay == 20ms);
    CHECK(c.callback.timeout == 1s);
    CHECK(c.metrics_port == 0);
}

TEST_CASE("queue-worker config: bad values name their variable") {
    const auto fails_naming = [](std::map<std::string, std::string> vars, std::string name) {
        try {
            (void)qw::load(env_of(std::move(vars)));
            FAIL("no ConfigError for ", name);
        } catch (const ConfigError& e) {
            CHECK_MESSAGE(std::string(e.what()).find(name) == 0, e.what());
        }
    };
    fails_naming({{"queues", "ok,bad.name"}}, "queues");
    fails_naming({{"max_inflight", "0"}}, "max_inflight");
    fails_naming({{"retry_http_codes", "5xx"}}, "retry_http_codes");
    fails_naming({{"callback_secret_file", "/nonexistent/secret"}}, "callback_secret_file");
    fails_naming({{"callback_allow_hosts", "10.0.0.0/99"}}, "callback_allow_hosts");
    fails_naming({{"initial_retry_wait", "10s"}, {"max_retry_wait", "1s"}}, "max_retry_wait");
    fails_naming({{"metrics_port", "-2"}}, "metrics_port");
    fails_naming({{"ack_wait", "0"}}, "ack_wait");
    fails_naming({{"callback_timeout", "0s"}}, "callback_timeout");
}

TEST_CASE("queue-worker config: running_status_delay 0 writes running at once, 250ms waits") {
    CHECK(qw::load(env_of({{"running_status_delay", "0"}})).running_status_delay == 0ms);
    CHECK(qw::load(env_of({{"running_status_delay", "250ms"}})).running_status_delay == 250ms);
    CHECK(qw::load(env_of({{"nats_send_asap", "true"}})).nats_send_asap);
}
