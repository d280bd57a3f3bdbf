// cli/args: flags as faas-cli users type them.
#include "cli/args.hpp"

#include <doctest/doctest.h>

using faas::cli::FlagKind;
using faas::cli::FlagSpec;
using faas::cli::parse_args;

namespace {

const std::vector<FlagSpec> kSpecs{
    {"yaml", 'f', FlagKind::Value, "FILE", ""},
    {"env", 'e', FlagKind::Repeat, "K=V", ""},
    {"replace", 0, FlagKind::Bool, "", ""},
    {"update", 0, FlagKind::Bool, "", ""},
    {"namespace", 'n', FlagKind::Value, "NS", ""},
};

}  // namespace

TEST_SUITE("cli args") {
    TEST_CASE("args: long, short, inline and separate values all parse") {
        auto a = parse_args({"-f", "a.yml", "--namespace=dev", "-e", "x=1", "--env", "y=2",
                             "-ez=3", "name"},
                            kSpecs);
        REQUIRE(a.ok());
        CHECK(a->value("yaml") == "a.yml");
        CHECK(a->value("namespace") == "dev");
        CHECK(a->all("env") == std::vector<std::string>{"x=1", "y=2", "z=3"});
        CHECK(a->positional == std::vector<std::string>{"name"});
    }

    TEST_CASE("args: a value flag given twice keeps the last value") {
        auto a = parse_args({"-f", "a.yml", "-f", "b.yml"}, kSpecs);
        REQUIRE(a.ok());
        CHECK(a->value("yaml") == "b.yml");
    }

    TEST_CASE("args: booleans take --flag and --flag=false") {
        auto a = parse_args({"--replace", "--update=false"}, kSpecs);
        REQUIRE(a.ok());
        CHECK(a->flag("replace", false));
        CHECK_FALSE(a->flag("update", true));
        CHECK(a->flag("absent", true));
    }

    TEST_CASE("args: a bad boolean, an unknown flag and a missing value are errors") {
        auto bad_bool = parse_args({"--update=maybe"}, kSpecs);
        REQUIRE_FALSE(bad_bool.ok());
        CHECK(bad_bool.error().what().find("--update") != std::string::npos);
        auto unknown = parse_args({"--bogus"}, kSpecs);
        REQUIRE_FALSE(unknown.ok());
        CHECK(unknown.error().what() == "unknown flag --bogus");
        auto missing = parse_args({"-f"}, kSpecs);
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().what().find("needs a value") != std::string::npos);
    }

    TEST_CASE("args: -- ends the flags and a lone - is positional") {
        auto a = parse_args({"--", "--replace", "-"}, kSpecs);
        REQUIRE(a.ok());
        CHECK(a->positional == std::vector<std::string>{"--replace", "-"});
        CHECK_FALSE(a->has("replace"));
    }

    TEST_CASE("args: --help and -h set help") {
        CHECK(parse_args({"--help"}, kSpecs)->help);
        CHECK(parse_args({"-h"}, kSpecs)->help);
    }

    TEST_CASE("args: key=value splits on the first '=' only") {
        auto kv = faas::cli::split_key_value("a=b=c", "--env");
        REQUIRE(kv.ok());
        CHECK(kv->first == "a");
        CHECK(kv->second == "b=c");
        CHECK_FALSE(faas::cli::split_key_value("novalue", "--env").ok());
        CHECK_FALSE(faas::cli::split_key_value("=x", "--env").ok());
    }
}
