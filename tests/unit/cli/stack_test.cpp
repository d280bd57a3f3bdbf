// cli/stack: the faas-cli stack.yml schema (docs/wire-contract.md §6), substitution and checks.
#include "cli/stack.hpp"

#include <map>

#include <doctest/doctest.h>

#include "tests/support/temp_dir.hpp"

using faas::cli::load_stack;
using faas::cli::parse_stack;
using faas::cli::substitute_vars;
using faas::cli::VarLookup;
using faas::test::TempDir;

namespace {

VarLookup vars(std::map<std::string, std::string> m) {
    return [m = std::move(m)](std::string_view name) -> std::optional<std::string> {
        auto it = m.find(std::string(name));
        if (it == m.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

std::string subst(std::string_view text, const VarLookup& v) {
    auto r = substitute_vars(text, v);
    return r.ok() ? r.value() : "<error: " + r.error().what() + ">";
}

const char* const kFullStack = R"(version: 1.0
provider:
  name: openfaas
  gateway: http://127.0.0.1:${GW_PORT:-8080}
configuration:
  templates:
    - name: golang-middleware
      source: https://example.com/templates
  copy: [common]
functions:
  env-test:
    lang: dockerfile
    handler: ./env-test
    image: ghcr.io/acme/env-test:${TAG}
    fprocess: env
    environment:
      custom_env: custom_env_value
      overridden: from-yaml
    environment_file:
      - env.yml
    secrets: [api-key]
    constraints: ["node.platform.os == linux"]
    labels:
      com.openfaas.scale.min: "2"
    annotations:
      topic: payments
    limits: {memory: 128Mi, cpu: 100m}
    requests: {memory: 64Mi}
    readonly_root_filesystem: true
    namespace: staging
    skip_build: false
    build_args: {GO111MODULE: "on"}
    build_options: [dev]
    build_secrets: {token: ./token.txt}
    platforms: linux/amd64,linux/arm64
  second:
    image: second:latest
    fprocess: cat
)";

}  // namespace

TEST_SUITE("cli stack") {
    TEST_CASE("stack: every key of the faas-cli schema is read") {
        TempDir dir;
        dir.write("env.yml", "environment:\n  from_file: yes-file\n  overridden: from-file\n");
        dir.write("env-test/handler.sh", "echo hi\n");
        auto stack = load_stack(dir.write("stack.yml", kFullStack),
                                vars({{"TAG", "1.2"}, {"GW_PORT", "9999"}}));
        REQUIRE_MESSAGE(stack.ok(), stack.error().what());
        CHECK(stack->version == "1.0");
        CHECK(stack->provider_name == "openfaas");
        CHECK(stack->gateway == "http://127.0.0.1:9999");
        REQUIRE(stack->functions.size() == 2);
        const auto& fn = stack->functions[0];
        CHECK(fn.name == "env-test");
        CHECK(stack->functions[1].name == "second");
        CHECK(fn.lang == "dockerfile");
        CHECK(fn.image == "ghcr.io/acme/env-test:1.2");
        CHECK(fn.fprocess == "env");
        CHECK(fn.namespace_ == "staging");
        CHECK(fn.environment.at("custom_env") == "custom_env_value");
        CHECK(fn.environment.at("from_file") == "yes-file");
        CHECK(fn.environment.at("overridden") == "from-file");
        CHECK(fn.secrets == std::vector<std::string>{"api-key"});
        CHECK(fn.constraints == std::vector<std::string>{"node.platform.os == linux"});
        CHECK(fn.labels.at("com.openfaas.scale.min") == "2");
        CHECK(fn.annotations.at("topic") == "payments");
        CHECK(fn.limits.memory == "128Mi");
        CHECK(fn.limits.cpu == "100m");
        CHECK(fn.requests.memory == "64Mi");
        CHECK(fn.requests.cpu.empty());
        CHECK(fn.readonly_root_filesystem);
        CHECK(fn.handler_dir == std::filesystem::canonical(dir.path() / "env-test"));
    }

    TEST_CASE("stack: ${VAR}, ${VAR:-default}, ${VAR-default} and $$ substitute") {
        auto v = vars({{"SET", "x"}, {"EMPTY", ""}});
        CHECK(subst("a${SET}b", v) == "axb");
        CHECK(subst("[${UNSET}]", v) == "[]");
        CHECK(subst("${UNSET:-def}", v) == "def");
        CHECK(subst("${EMPTY:-def}", v) == "def");
        CHECK(subst("${EMPTY-def}", v) == "");
        CHECK(subst("${UNSET-def}", v) == "def");
        CHECK(subst("${SET:-def}", v) == "x");
        CHECK(subst("cost $$5 and $HOME", v) == "cost $5 and $HOME");
        CHECK_FALSE(substitute_vars("${OPEN", v).ok());
    }

    TEST_CASE("stack: substitution can be turned off") {
        auto stack = parse_stack(
            "provider: {name: openfaas}\nfunctions:\n  f:\n    image: i\n    fprocess: echo ${X}\n",
            "/", vars({{"X", "1"}}), false);
        REQUIRE(stack.ok());
        CHECK(stack->functions[0].fprocess == "echo ${X}");
    }

    TEST_CASE("stack: a version other than 1.0 is refused") {
        auto stack = parse_stack(
            "version: 2.0\nprovider: {name: openfaas}\n"
            "functions:\n  f: {image: i, fprocess: cat}\n",
            "/", vars({}));
        REQUIRE_FALSE(stack.ok());
        CHECK(stack.error().what().find("version \"2.0\"") != std::string::npos);
    }

    TEST_CASE("stack: a provider other than openfaas, or none, is refused") {
        auto other = parse_stack(
            "provider: {name: faas}\nfunctions:\n  f: {image: i, fprocess: cat}\n", "/", vars({}));
        REQUIRE_FALSE(other.ok());
        CHECK(other.error().what().find("provider.name must be \"openfaas\"") != std::string::npos);
        auto none = parse_stack("functions:\n  f: {image: i, fprocess: cat}\n", "/", vars({}));
        CHECK_FALSE(none.ok());
    }

    TEST_CASE("stack: malformed YAML names the line") {
        auto stack = parse_stack("provider:\n  name: openfaas\nfunctions: [\n", "/", vars({}));
        REQUIRE_FALSE(stack.ok());
        CHECK(stack.error().what().find("line ") != std::string::npos);
    }

    TEST_CASE("stack: missing image or fprocess, bad names and wrong types are refused") {
        auto check_error = [](const std::string& functions, const std::string& needle) {
            auto s = parse_stack("provider: {name: openfaas}\nfunctions:\n" + functions, "/",
                                 vars({}));
            REQUIRE_FALSE(s.ok());
            CHECK_MESSAGE(s.error().what().find(needle) != std::string::npos, s.error().what());
        };
        check_error("  f: {fprocess: cat}\n", "image is required");
        check_error("  f: {image: i}\n", "fprocess is required");
        check_error("  Bad_Name: {image: i, fprocess: cat}\n", "DNS label");
        check_error("  f: {image: i, fprocess: cat, environment: [a, b]}\n",
                    "environment must be a map");
        check_error("  f: {image: i, fprocess: cat, readonly_root_filesystem: maybe}\n",
                    "true or false");
        check_error("  f: {image: i, fprocess: cat, environment_file: [missing.yml]}\n",
                    "cannot read");
    }

    TEST_CASE("stack: an empty functions map is refused") {
        CHECK_FALSE(parse_stack("provider: {name: openfaas}\nfunctions: {}\n", "/", vars({})).ok());
    }

    TEST_CASE("stack: the examples stack of this repository parses") {
        auto stack = load_stack(std::filesystem::path(FAAS_SOURCE_DIR) / "examples/stack.yml",
                                vars({}));
        REQUIRE_MESSAGE(stack.ok(), stack.error().what());
        CHECK(stack->functions.size() >= 6);
        for (const auto& fn : stack->functions) {
            if (!fn.handler.empty()) {
                CHECK_MESSAGE(!fn.handler_dir.empty(), fn.name << ": handler dir not found");
            }
        }
    }
}
