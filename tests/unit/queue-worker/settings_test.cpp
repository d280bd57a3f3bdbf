// queue-worker/settings: per-function settings from annotations, Retry-After, outcomes, delays.
#include "queue-worker/settings.hpp"

#include <doctest/doctest.h>

#include "core/errc.hpp"

namespace qw = faas::queue_worker;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST_SUITE_BEGIN("queue_worker.settings");

TEST_CASE("queue-worker settings: no annotations keep the worker's defaults") {
    qw::FunctionSettings defaults;
    defaults.retry.max_attempts = 7;
    const auto parsed = qw::function_settings({}, defaults);
    CHECK(parsed.settings == defaults);
    CHECK(parsed.warnings.empty());
}

TEST_CASE("queue-worker settings: every annotation the worker honours is applied") {
    const std::map<std::string, std::string> a{{"com.faas.queue.concurrency", "2"},
                                               {"com.faas.queue.rate", "600/m"},
                                               {"com.faas.queue.burst", "3"},
                                               {"com.openfaas.retry.attempts", "4"},
                                               {"com.openfaas.retry.min_wait", "250ms"},
                                               {"com.openfaas.retry.max_wait", "5s"},
                                               {"com.openfaas.retry.codes", "503, 500"},
                                               {"com.faas.queue.max_age", "1m30s"},
                                               {"com.openfaas.queue", "slow"}};
    const auto parsed = qw::function_settings(a, {});
    const auto& s = parsed.settings;
    CHECK(parsed.warnings.empty());
    CHECK(s.concurrency == 2);
    CHECK(s.rate == doctest::Approx(10.0));
    CHECK(s.burst == doctest::Approx(3.0));
    CHECK(s.retry.max_attempts == 4);
    CHECK(s.retry.initial_delay == 250ms);
    CHECK(s.retry.max_delay == 5s);
    CHECK(s.retry_codes == std::vector<int>{500, 503});
    CHECK(s.max_age == 90s);
}

TEST_CASE(
    "queue-worker settings: the burst defaults to the per-second rate rounded up, at least 1") {
    CHECK(qw::function_settings({{"com.faas.queue.rate", "20/s"}}, {}).settings.burst == 20);
    CHECK(qw::function_settings({{"com.faas.queue.rate", "2.5/s"}}, {}).settings.burst == 3);
    CHECK(qw::function_settings({{"com.faas.queue.rate", "100/h"}}, {}).settings.burst == 1);
    // A burst without a rate means nothing.
    CHECK(qw::function_settings({{"com.faas.queue.burst", "5"}}, {}).settings.rate == 0);
}

TEST_CASE("queue-worker settings: a bad value keeps the default and is reported by name") {
    qw::FunctionSettings defaults;
    const std::map<std::string, std::string> a{
        {"com.faas.queue.concurrency", "0"},   {"com.faas.queue.rate", "fast"},
        {"com.openfaas.retry.attempts", "-1"}, {"com.openfaas.retry.min_wait", "soon"},
        {"com.openfaas.retry.codes", "5xx"},   {"com.faas.queue.max_age", "0s"}};
    const auto parsed = qw::function_settings(a, defaults);
    CHECK(parsed.settings == defaults);
    REQUIRE(parsed.warnings.size() == 6);
    CHECK(parsed.warnings[0] == "com.faas.queue.concurrency=0: want a whole number >= 1");
    CHECK(parsed.warnings[1].find("com.faas.queue.rate=fast") == 0);
}

TEST_CASE("queue-worker settings: a max wait below the min wait is raised to it") {
    const auto s = qw::function_settings(
        {{"com.openfaas.retry.min_wait", "10s"}, {"com.openfaas.retry.max_wait", "2s"}}, {});
    CHECK(s.settings.retry.max_delay == 10s);
}

TEST_CASE("queue-worker rate: per second, minute and hour, nothing else") {
    CHECK(qw::parse_rate("10/s") == doctest::Approx(10.0));
    CHECK(qw::parse_rate(" 600 / m ") == doctest::Approx(10.0));
    CHECK(qw::parse_rate("3600/h") == doctest::Approx(1.0));
    CHECK(qw::parse_rate("0.5/sec") == doctest::Approx(0.5));
    CHECK_FALSE(qw::parse_rate("10"));
    CHECK_FALSE(qw::parse_rate("0/s"));
    CHECK_FALSE(qw::parse_rate("-1/s"));
    CHECK_FALSE(qw::parse_rate("10/d"));
    CHECK_FALSE(qw::parse_rate("x/s"));
}

TEST_CASE("queue-worker status list: sorted and distinct, every entry a status") {
    CHECK(qw::parse_status_list("504,429,502,429") == std::vector<int>{429, 502, 504});
    CHECK_FALSE(qw::parse_status_list(""));
    CHECK_FALSE(qw::parse_status_list("429,abc"));
    CHECK_FALSE(qw::parse_status_list("99"));
}

TEST_CASE(
    "queue-worker outcome: 2xx succeeds, the retry set and connection trouble retry, the rest "
    "fails") {
    const std::vector<int> codes{429, 502, 503, 504};
    CHECK(qw::classify_status(200, codes) == qw::Outcome::Succeeded);
    CHECK(qw::classify_status(204, codes) == qw::Outcome::Succeeded);
    CHECK(qw::classify_status(503, codes) == qw::Outcome::Retry);
    CHECK(qw::classify_status(429, codes) == qw::Outcome::Retry);
    CHECK(qw::classify_status(500, codes) == qw::Outcome::Failed);
    CHECK(qw::classify_status(400, codes) == qw::Outcome::Failed);
    CHECK(qw::classify_status(301, codes) == qw::Outcome::Failed);
    CHECK(qw::classify_error(faas::errc::connect_failed) == qw::Outcome::Retry);
    CHECK(qw::classify_error(faas::errc::timeout) == qw::Outcome::Retry);
    CHECK(qw::classify_error(faas::errc::upstream_failed) == qw::Outcome::Retry);
    CHECK(qw::classify_error(faas::errc::output_too_large) == qw::Outcome::Failed);
}

TEST_CASE("queue-worker retry-after: seconds or an HTTP date, a past date is zero") {
    const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00
    CHECK(qw::parse_retry_after("120", now) == milliseconds(120000));
    CHECK(qw::parse_retry_after(" 0 ", now) == milliseconds(0));
    CHECK(qw::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == milliseconds(30000));
    CHECK(qw::parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now) == milliseconds(60000));
    CHECK(qw::parse_retry_after("Wed Oct 21 07:28:05 2015", now) == milliseconds(5000));
    CHECK(qw::parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now) == milliseconds(0));
    CHECK_FALSE(qw::parse_retry_after("", now));
    CHECK_FALSE(qw::parse_retry_after("-5", now));
    CHECK_FALSE(qw::parse_retry_after("soon", now));
    CHECK_FALSE(qw::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT trailing", now));
}

TEST_CASE(
    "queue-worker retry delay: jittered backoff floored at min wait, Retry-After when longer") {
    faas::async::Backoff b{milliseconds(100), milliseconds(1000), 4};
    // The first retry's cap is min wait: full jitter never goes below it.
    CHECK(qw::retry_delay(b, 1, 0.0, std::nullopt) == milliseconds(100));
    CHECK(qw::retry_delay(b, 1, 1.0, std::nullopt) == milliseconds(100));
    // Later retries spread between min wait and the doubled cap.
    CHECK(qw::retry_delay(b, 3, 1.0, std::nullopt) == milliseconds(400));
    CHECK(qw::retry_delay(b, 3, 0.5, std::nullopt) == milliseconds(200));
    CHECK(qw::retry_delay(b, 3, 0.1, std::nullopt) == milliseconds(100));
    // Retry-After wins when it is longer, not when shorter.
    CHECK(qw::retry_delay(b, 1, 0.5, milliseconds(5000)) == milliseconds(5000));
    CHECK(qw::retry_delay(b, 3, 1.0, milliseconds(10)) == milliseconds(400));
    // No attempt left after max_attempts.
    CHECK_FALSE(qw::retry_delay(b, 4, 0.5, std::nullopt));
    CHECK_FALSE(qw::retry_delay(b, 4, 0.5, milliseconds(10)));
}
