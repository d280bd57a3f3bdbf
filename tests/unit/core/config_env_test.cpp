// core/config/env: OpenFaaS's rules for reading configuration from the environment.
#include <map>

#include <doctest/doctest.h>

#include "core/config/env.hpp"
#include "tests/support/env.hpp"
#include "tests/support/printers.hpp"

using namespace std::chrono_literals;
using faas::config::ConfigError;
using faas::config::Env;
using faas::test::env_of;

TEST_SUITE_BEGIN("core.config.env");
TEST_CASE("config: parses Go durations with every unit") {
    using faas::config::parse_go_duration;
    CHECK(parse_go_duration("500ms") == std::chrono::nanoseconds(500ms));
    CHECK(parse_go_duration("1m30s") == std::chrono::nanoseconds(90s));
    CHECK(parse_go_duration("1.5h") == std::chrono::nanoseconds(5400s));
    CHECK(parse_go_duration("2h45m") == std::chrono::nanoseconds(2h + 45min));
    CHECK(parse_go_duration("10us") == std::chrono::nanoseconds(10us));
    CHECK(parse_go_duration("10\xC2\xB5s") == std::chrono::nanoseconds(10us));
    CHECK(parse_go_duration("7ns") == std::chrono::nanoseconds(7));
    CHECK(parse_go_duration("0.5s") == std::chrono::nanoseconds(500ms));
    CHECK(parse_go_duration("0") == std::chrono::nanoseconds(0));
    CHECK(parse_go_duration("-1s") == std::chrono::nanoseconds(-1s));
}

TEST_CASE("config: a bare number is a count of seconds") {
    using faas::config::parse_go_duration;
    CHECK(parse_go_duration("30") == std::chrono::nanoseconds(30s));
    CHECK(parse_go_duration("1") == std::chrono::nanoseconds(1s));
}

TEST_CASE("config: rejects malformed durations") {
    using faas::config::parse_go_duration;
    CHECK_FALSE(parse_go_duration("").has_value());
    CHECK_FALSE(parse_go_duration("abc").has_value());
    CHECK_FALSE(parse_go_duration("10x").has_value());
    CHECK_FALSE(parse_go_duration("s").has_value());
    CHECK_FALSE(parse_go_duration("1.2.3s").has_value());
    CHECK_FALSE(parse_go_duration("5 s").has_value());
}

TEST_CASE("config: a bad or negative duration falls back to the default") {
    const Env env = env_of(
        {{"good", "1m30s"}, {"bare", "5"}, {"bad", "soon"}, {"negative", "-3s"}, {"empty", ""}});
    CHECK(env.duration("good", 30s) == std::chrono::nanoseconds(90s));
    CHECK(env.duration("bare", 30s) == std::chrono::nanoseconds(5s));
    CHECK(env.duration("bad", 30s) == std::chrono::nanoseconds(30s));
    CHECK(env.duration("negative", 30s) == std::chrono::nanoseconds(30s));
    CHECK(env.duration("empty", 30s) == std::chrono::nanoseconds(30s));
    CHECK(env.duration("missing", 7s) == std::chrono::nanoseconds(7s));
}

TEST_CASE("config: a positive duration refuses zero or falls back, as the caller says") {
    using faas::config::IfZero;
    const Env env = env_of({{"ack_wait", "0"}, {"upstream_timeout", "90"}, {"read_timeout", "0s"}});
    CHECK_THROWS_WITH_AS((void)env.positive_duration("ack_wait", 30s, IfZero::Fail),
                         doctest::Contains("ack_wait=0"), ConfigError);
    CHECK(env.positive_duration("read_timeout", 60s, IfZero::UseDefault) == 60s);
    CHECK(env.positive_duration("upstream_timeout", 60s, IfZero::Fail) == 90s);
    CHECK(env.positive_duration("unset", 5s, IfZero::Fail) == 5s);
}

TEST_CASE("config: parses byte sizes in powers of 1024") {
    using faas::config::parse_bytes;
    CHECK(parse_bytes("1048576") == 1048576U);
    CHECK(parse_bytes("64Mi") == 64ULL << 20U);
    CHECK(parse_bytes("64M") == 64ULL << 20U);
    CHECK(parse_bytes("512Ki") == 512ULL << 10U);
    CHECK(parse_bytes("64k") == 64ULL << 10U);
    CHECK(parse_bytes("1Gi") == 1ULL << 30U);
    CHECK(parse_bytes("0") == 0U);
    CHECK_FALSE(parse_bytes("").has_value());
    CHECK_FALSE(parse_bytes("Mi").has_value());
    CHECK_FALSE(parse_bytes("12X").has_value());
    CHECK_FALSE(parse_bytes("-1").has_value());
    CHECK_FALSE(parse_bytes("99999999999999999999").has_value());
    CHECK_FALSE(parse_bytes("17179869184Gi").has_value());
}

TEST_CASE("config: a bad byte size is a ConfigError naming the variable") {
    const Env env = env_of({{"max_request_size", "lots"}, {"ok", "2Ki"}});
    CHECK(env.bytes("ok", 1) == 2048U);
    CHECK(env.bytes("missing", 99) == 99U);
    try {
        (void)env.bytes("max_request_size", 1);
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).starts_with("max_request_size=lots: expected a byte count"));
    }
}

TEST_CASE("config: ParseBool accepts exactly Go's spellings") {
    using faas::config::parse_go_bool;
    for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
        CAPTURE(t);
        CHECK(parse_go_bool(t) == true);
    }
    for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
        CAPTURE(f);
        CHECK(parse_go_bool(f) == false);
    }
    for (const char* bad : {"", "yes", "no", "tRuE", " true", "2"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_go_bool(bad).has_value());
    }
}

TEST_CASE("config: go_bool falls back on unparsable values") {
    const Env env = env_of({{"one", "1"}, {"zero", "0"}, {"yes", "yes"}});
    CHECK(env.go_bool("one", false));
    CHECK_FALSE(env.go_bool("zero", true));
    CHECK(env.go_bool("yes", true));
    CHECK_FALSE(env.go_bool("yes", false));
    CHECK(env.go_bool("missing", true));
}

TEST_CASE("config: a flag is true only for the literal true") {
    const Env env = env_of({{"a", "true"}, {"b", "TRUE"}, {"c", "1"}, {"d", "false"}, {"e", ""}});
    CHECK(env.flag("a", false));
    CHECK_FALSE(env.flag("b", false));
    CHECK_FALSE(env.flag("c", false));
    CHECK_FALSE(env.flag("d", true));
    CHECK(env.flag("e", true));
    CHECK_FALSE(env.flag("missing", false));
    CHECK(env.flag("missing", true));
}

TEST_CASE("config: integers are strict and out-of-range values throw") {
    const Env env = env_of({{"n", "5"},
                            {"neg", "-2"},
                            {"word", "abc"},
                            {"suffix", "5x"},
                            {"big", "101"},
                            {"empty", ""}});
    CHECK(env.integer("n", 0, 0, 100) == 5);
    CHECK(env.integer("neg", 0, -10, 10) == -2);
    CHECK(env.integer("empty", 9, 0, 100) == 9);
    CHECK(env.integer("missing", 9, 0, 100) == 9);
    CHECK_THROWS_AS((void)env.integer("word", 0, 0, 100), ConfigError);
    CHECK_THROWS_AS((void)env.integer("suffix", 0, 0, 100), ConfigError);
    CHECK_THROWS_WITH_AS((void)env.integer("big", 0, 0, 100),
                         "big=101: expected an integer from 0 to 100", ConfigError);
}

TEST_CASE("config: an empty string value uses the fallback") {
    const Env env = env_of({{"set", "x"}, {"empty", ""}});
    CHECK(env.string("set", "d") == "x");
    CHECK(env.string("empty", "d") == "d");
    CHECK(env.string("missing", "d") == "d");
    CHECK(env.get("empty") == std::optional<std::string>(""));
    CHECK_FALSE(env.get("missing").has_value());
}

TEST_SUITE_END();
