// core/openfaas/async: the async pipeline's names, settings and stream specs.
#include <doctest/doctest.h>

#include "core/openfaas/async.hpp"
#include "tests/support/env.hpp"
#include "tests/support/printers.hpp"

namespace async = faas::openfaas::async;
namespace nats = faas::nats;
using namespace std::chrono_literals;
using faas::config::ConfigError;
using faas::test::env_of;

TEST_SUITE_BEGIN("core.openfaas.async");

TEST_CASE("async settings: defaults are the documented ones") {
    const auto s = async::load_stream_settings(env_of({}));
    CHECK(s.request_stream == "faas-request");
    CHECK(s.dead_letter_stream == "faas-dead-letter");
    CHECK(s.status_bucket == "faas-calls");
    CHECK(s.dedup_window == 10min);
    CHECK(s.status_ttl == 24h);
    CHECK(s.dead_letter_max_age == 336h);
}

TEST_CASE("async settings: read from the environment as Go durations") {
    const auto s = async::load_stream_settings(env_of({{"faas_nats_channel", "my-requests"},
                                                       {"async_dedup_window", "90s"},
                                                       {"async_status_ttl", "1h30m"},
                                                       {"dead_letter_max_age", "72h"}}));
    CHECK(s.request_stream == "my-requests");
    CHECK(s.dedup_window == 90s);
    CHECK(s.status_ttl == 90min);
    CHECK(s.dead_letter_max_age == 72h);
    CHECK(async::load_stream_settings(env_of({{"async_dedup_window", "30"}})).dedup_window == 30s);
}

TEST_CASE("async settings: a bad value is a ConfigError naming the variable") {
    const auto message = [](std::map<std::string, std::string> vars) -> std::string {
        try {
            (void)async::load_stream_settings(env_of(std::move(vars)));
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK(message({{"async_dedup_window", "10 minutes"}}).find("async_dedup_window=10 minutes") ==
          0);
    CHECK(message({{"async_status_ttl", "0s"}}).find("async_status_ttl=0s") == 0);
    CHECK(message({{"dead_letter_max_age", "-1h"}}).find("dead_letter_max_age=-1h") == 0);
    CHECK(message({{"faas_nats_channel", "faas.request"}}).find("faas_nats_channel=faas.request") ==
          0);
    CHECK(message({{"faas_nats_channel", "a b"}}).find("faas_nats_channel=") == 0);
}

TEST_CASE("async names: queue names are 1 to 64 subject-safe characters") {
    CHECK(async::check_queue_name("default").ok());
    CHECK(async::check_queue_name("Slow_queue-2").ok());
    CHECK(async::check_queue_name(std::string(64, 'q')).ok());
    const std::vector<std::string> bad_names{
        "", "a.b", "a*", ">", "with space", "ü", std::string(65, 'q')};
    for (const std::string& bad : bad_names) {
        const auto st = async::check_queue_name(bad);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().code == faas::errc::bad_request);
        CHECK(st.error().message.find("queue name") == 0);
    }
    CHECK(async::queue_or_default("") == "default");
    CHECK(async::queue_or_default("slow") == "slow");
}

TEST_CASE("async names: subjects, durable names and the queue of a subject") {
    const async::StreamSettings s;
    CHECK(async::request_subject(s, "default", "c1") == "faas-request.default.c1");
    // The call id is one token, escaped as in the status subject.
    CHECK(async::request_subject(s, "slow", "my.call 2") == "faas-request.slow.my%2Ecall%202");
    CHECK(async::request_filter(s, "slow") == "faas-request.slow.*");
    CHECK(async::call_request_filter(s, "my.call") == "faas-request.*.my%2Ecall");
    CHECK(async::dead_letter_subject(s, "slow") == "faas-dead-letter.slow");
    CHECK(async::durable_name(s, "default") == "faas-request-calls_default");

    CHECK(async::queue_of_subject(s, "faas-request.slow.c1") == "slow");
    CHECK(async::queue_of_subject(s, "faas-request.slow.my%2Ecall") == "slow");
    CHECK(async::queue_of_subject(s, "faas-request.slow.*") == "slow");
    CHECK(async::queue_of_subject(s, "faas-dead-letter.default") == "default");
    CHECK_FALSE(async::queue_of_subject(s, "faas-request.").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-request.a.").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-request.a.b.c").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-request.a.>").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-request.>").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-dead-letter.a.b").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-requestx.slow").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "other.slow").has_value());
    CHECK_FALSE(async::queue_of_subject(s, "faas-request").has_value());
    // A queue's subjects carry a call id: "faas-request.<queue>" alone is no request subject.
    CHECK_FALSE(async::queue_of_subject(s, "faas-request.slow").has_value());

    CHECK(async::parse_request_subject(s, "faas-request.slow.c1") == "slow");
    CHECK(async::parse_request_subject(s, "faas-request.slow.*") == "slow");
    CHECK_FALSE(async::parse_request_subject(s, "faas-dead-letter.slow").has_value());
}

TEST_CASE("async names: a queue's consumer spec") {
    const async::StreamSettings s;
    const nats::ConsumerSpec now = async::queue_consumer_spec(s, "slow");
    CHECK(now.stream == "faas-request");
    CHECK(now.durable == "faas-request-calls_slow");
    CHECK(now.filter_subject == "faas-request.slow.*");
    CHECK(now.max_deliver == -1);
    // What a worker at its defaults sets, so creating it and binding to it agree.
    CHECK(now.ack_wait == async::kDefaultAckWait);
    CHECK(now.max_ack_pending == async::kDefaultMaxInflight);
}

TEST_CASE("async specs: request, dead-letter and status streams") {
    async::StreamSettings s;
    s.dedup_window = 10min;
    s.status_ttl = 24h;
    s.dead_letter_max_age = 336h;

    const nats::StreamSpec req = async::request_stream_spec(s);
    CHECK(req.name == "faas-request");
    CHECK(req.subjects == std::vector<std::string>{"faas-request.>"});
    CHECK(req.retention == nats::Retention::WorkQueue);
    CHECK(req.storage == nats::Storage::File);
    CHECK(req.duplicate_window == 10min);
    CHECK(req.max_age.count() == 0);
    CHECK(req.max_msgs_per_subject == -1);

    const nats::StreamSpec dl = async::dead_letter_stream_spec(s);
    CHECK(dl.name == "faas-dead-letter");
    CHECK(dl.subjects == std::vector<std::string>{"faas-dead-letter.>"});
    CHECK(dl.retention == nats::Retention::Limits);
    CHECK(dl.storage == nats::Storage::File);
    CHECK(dl.max_age == 336h);

    const nats::StreamSpec st = async::status_stream_spec(s);
    CHECK(st.name == "KV_faas-calls");
    CHECK(st.subjects == std::vector<std::string>{"$KV.faas-calls.>"});
    CHECK(st.retention == nats::Retention::Limits);
    CHECK(st.storage == nats::Storage::File);
    CHECK(st.max_msgs_per_subject == 1);
    CHECK(st.max_age == 24h);
    CHECK(st.duplicate_window == 10min);
}

TEST_CASE("async specs: a duplicate window never exceeds the stream's max age") {
    async::StreamSettings s;
    s.dedup_window = 10min;
    s.status_ttl = 1min;
    s.dead_letter_max_age = 30s;
    CHECK(async::status_stream_spec(s).duplicate_window == 1min);
    CHECK(async::dead_letter_stream_spec(s).duplicate_window == 30s);
}

TEST_CASE("async names: status subjects escape everything that is not a token character") {
    const async::StreamSettings s;
    CHECK(async::status_subject(s, "9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11") ==
          "$KV.faas-calls.9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11");
    CHECK(async::status_subject(s, "a.b") == "$KV.faas-calls.a%2Eb");
    CHECK(async::status_subject(s, "a*b>c d") == "$KV.faas-calls.a%2Ab%3Ec%20d");
    // '%' itself is escaped, so two different ids never share a subject.
    CHECK(async::status_subject(s, "a%2Eb") == "$KV.faas-calls.a%252Eb");
    CHECK(async::status_subject(s, "\xc3\xbc") == "$KV.faas-calls.%C3%BC");
}

TEST_SUITE_END();
