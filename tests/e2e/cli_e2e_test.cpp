// The faas CLI against a platform started with `faas up`: a function's whole life, and bad input.
#include <doctest/doctest.h>

#include <functional>

#include "core/text/text.hpp"
#include "tests/e2e/platform.hpp"
#include "tests/support/text.hpp"
#include "tests/support/wait.hpp"

using faas::test::CliResult;
using faas::test::fields;
using faas::test::line_starting;
using faas::test::Platform;
using faas::test::TempDir;

namespace {

const char* const kStack = R"(version: 1.0
provider:
  name: openfaas
functions:
  env:
    image: example/env:1
    fprocess: env
    environment:
      custom_env: custom_env_value
  echo:
    image: example/echo:1
    fprocess: cat
  talker:
    handler: ./talker
    image: example/talker:1
    fprocess: sh talker.sh
    environment:
      combine_output: "false"
)";

const char* const kSecretStack = R"(version: 1.0
provider:
  name: openfaas
functions:
  reader:
    image: example/reader:1
    fprocess: cat /var/openfaas/secrets/api-key
    secrets: [api-key]
)";

std::string describe_field(const Platform& p, const std::string& fn, const std::string& field) {
    const auto r = p.cli({"describe", fn});
    const auto line = line_starting(r.out, field + ":");
    return line.empty() ? "" : std::string(faas::text::trim(line.substr(field.size() + 1)));
}

// Retries a CLI call until `pred` holds on its result (state that settles asynchronously).
CliResult cli_until(const Platform& p,
                    const std::vector<std::string>& args,
                    const std::function<bool(const CliResult&)>& pred,
                    const std::string& stdin_text = "") {
    CliResult last;
    faas::test::wait_until(
        [&] {
            last = p.cli(args, stdin_text);
            return pred(last);
        },
        std::chrono::seconds(20), std::chrono::milliseconds(200));
    return last;
}

using faas::test::contains;

}  // namespace

TEST_SUITE("e2e cli") {
    TEST_CASE("cli: deploy, list, describe, invoke, update, scale, secrets, logs and remove") {
        Platform p("");
        TempDir work;
        const auto stack = work.write("stack.yml", kStack);
        work.write("talker/talker.sh", "echo talker-stderr-marker >&2\ncat\n");

        const auto deployed = p.cli({"deploy", "-f", stack.string()});
        REQUIRE_MESSAGE(deployed.code == 0, deployed.out << deployed.err);
        CHECK(contains(deployed.out, "Deployed. 202"));
        CHECK(contains(deployed.out, "env is ready"));
        CHECK(contains(deployed.out, "URL: " + p.url() + "/function/echo"));

        // Invocations and replicas columns.
        for (int i = 0; i < 2; ++i) {
            const auto r = p.cli({"invoke", "echo"}, "hi");
            REQUIRE_MESSAGE(r.code == 0, r.err);
            CHECK(r.out == "hi");
        }
        const auto listed = cli_until(p, {"list"}, [](const CliResult& r) {
            return fields(line_starting(r.out, "echo ")) ==
                   std::vector<std::string>{"echo", "2", "1"};
        });
        CHECK(fields(line_starting(listed.out, "Function")) ==
              std::vector<std::string>{"Function", "Invocations", "Replicas"});
        CHECK(fields(line_starting(listed.out, "echo ")) ==
              std::vector<std::string>{"echo", "2", "1"});
        CHECK(fields(line_starting(listed.out, "env ")).size() == 3);
        const auto verbose = p.cli({"list", "-v"});
        CHECK(fields(line_starting(verbose.out, "echo ")) ==
              std::vector<std::string>{"echo", "example/echo:1", "2", "1"});

        const auto described = p.cli({"describe", "env"});
        REQUIRE(described.code == 0);
        CHECK(fields(line_starting(described.out, "Status:")) ==
              std::vector<std::string>{"Status:", "Ready"});
        CHECK(fields(line_starting(described.out, "URL:")) ==
              std::vector<std::string>{"URL:", p.url() + "/function/env"});
        CHECK(fields(line_starting(described.out, "Async URL:")).back() ==
              p.url() + "/async-function/env");
        CHECK(contains(described.out, "custom_env: custom_env_value"));

        for (const std::string verb : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
            const auto r = p.cli({"invoke", "env", "-m", verb});
            CHECK_MESSAGE(r.code == 0, verb << ": " << r.err);
            CHECK_MESSAGE(contains(r.out, "Http_Method=" + verb), r.out);
        }
        const auto query = p.cli({"invoke", "env", "-m", "GET", "--query", "testing=1"});
        CHECK(contains(query.out, "Http_Query=testing=1"));
        const auto sub = p.cli({"invoke", "env", "--path", "/a/b"});
        CHECK(contains(sub.out, "Http_Path=/a/b"));
        const auto header = p.cli({"invoke", "env", "-H", "X-Custom=yes"});
        CHECK(contains(header.out, "Http_X_Custom=yes"));
        // The gateway's X-Function header routes a call on / (plain HTTP, as a webhook sends it).
        auto routed = p.call("POST", "/", "", {faas::http::Header{"X-Function", "env"}});
        REQUIRE(routed.ok());
        CHECK(routed->status == 200);
        CHECK(contains(routed->body, "Http_Method=POST"));

        // Update: the new environment reaches the function.
        const auto updated = p.cli({"deploy", "-f", stack.string(), "--filter", "env", "-e",
                                    "custom_env=changed"});
        REQUIRE_MESSAGE(updated.code == 0, updated.err);
        const auto after_update = cli_until(p, {"invoke", "env"}, [](const CliResult& r) {
            return contains(r.out, "custom_env=changed");
        });
        CHECK(contains(after_update.out, "custom_env=changed"));

        // Scale to zero, then a call scales it back up.
        const auto to_zero = p.cli({"scale", "env", "--replicas", "0"});
        REQUIRE_MESSAGE(to_zero.code == 0, to_zero.err);
        CHECK(describe_field(p, "env", "Replicas") == "0");
        const auto from_zero = p.cli({"invoke", "env"});
        CHECK_MESSAGE(from_zero.code == 0, from_zero.err);
        CHECK(contains(from_zero.out, "custom_env=changed"));
        CHECK(describe_field(p, "env", "Replicas") != "0");

        // Secrets: created, listed, visible to a function, duplicate refused, removed.
        const auto created = p.cli({"secret", "create", "api-key", "--from-literal", "s3cret"});
        REQUIRE_MESSAGE(created.code == 0, created.err);
        const auto dup = p.cli({"secret", "create", "api-key", "--from-literal", "other"});
        CHECK(dup.code == 1);
        CHECK(contains(dup.err, "already exists"));
        CHECK(contains(p.cli({"secret", "list"}).out, "api-key"));
        const auto reader_stack = work.write("secret.yml", kSecretStack);
        const auto reader = p.cli({"deploy", "-f", reader_stack.string()});
        REQUIRE_MESSAGE(reader.code == 0, reader.err);
        CHECK(p.cli({"invoke", "reader"}).out == "s3cret");
        CHECK(p.cli({"remove", "reader"}).code == 0);
        const auto removed_secret = p.cli({"secret", "remove", "api-key"});
        CHECK_MESSAGE(removed_secret.code == 0, removed_secret.err);
        CHECK_FALSE(contains(p.cli({"secret", "list"}).out, "api-key"));

        // Logs carry what the function wrote to stderr.
        CHECK(p.cli({"invoke", "talker"}, "quiet").out == "quiet");
        const auto logs = cli_until(p, {"logs", "talker", "--tail", "200"}, [](const CliResult& r) {
            return contains(r.out, "talker-stderr-marker");
        });
        CHECK_MESSAGE(contains(logs.out, "talker-stderr-marker"), logs.out << logs.err);
        CHECK(contains(logs.out, " talker ("));

        // Removed: calls get 404 and a non-zero exit code.
        const auto removed = p.cli({"remove", "echo"});
        CHECK_MESSAGE(removed.code == 0, removed.err);
        const auto gone = cli_until(p, {"invoke", "echo"}, [](const CliResult& r) {
            return contains(r.err, "404");
        });
        CHECK(gone.code == 1);
        CHECK(contains(gone.err, "404"));
        CHECK(line_starting(p.cli({"list"}).out, "echo ").empty());
    }

    TEST_CASE("cli: bad input gets a clear one-line error and a non-zero exit code") {
        Platform p("");
        TempDir work;
        const auto malformed = work.write("bad.yml", "provider:\n  name: openfaas\nfunctions: [\n");
        const auto bad = p.cli({"deploy", "-f", malformed.string()});
        CHECK(bad.code == 2);
        CHECK(bad.err.rfind("faas: ", 0) == 0);
        CHECK(contains(bad.err, "bad.yml"));
        CHECK(contains(bad.err, "line "));

        const auto wrong_provider = work.write(
            "other.yml", "provider: {name: faas}\nfunctions:\n  f: {image: i, fprocess: cat}\n");
        const auto other = p.cli({"deploy", "-f", wrong_provider.string()});
        CHECK(other.code == 2);
        CHECK(contains(other.err, "provider.name must be \"openfaas\""));

        const auto missing = p.cli({"deploy", "-f", work.file("nope.yml").string()});
        CHECK(missing.code == 2);
        CHECK(contains(missing.err, "cannot read"));

        const auto unknown = p.cli({"invoke", "nosuch"});
        CHECK(unknown.code == 1);
        CHECK(contains(unknown.err, "404"));
        const auto described = p.cli({"describe", "nosuch"});
        CHECK(described.code == 1);
        CHECK(contains(described.err, "no such function: nosuch"));
        CHECK(p.cli({"remove", "nosuch"}).code == 1);
        CHECK(p.cli({"secret", "remove", "nosuch"}).code == 1);

        CHECK(p.cli({"secret", "create", "dup", "--from-literal", "1"}).code == 0);
        const auto dup = p.cli({"secret", "create", "dup", "--from-literal", "2"});
        CHECK(dup.code == 1);
        CHECK(contains(dup.err, "secret dup already exists"));

        const auto flag = p.cli({"list", "--bogus"});
        CHECK(flag.code == 2);
        CHECK(contains(flag.err, "unknown flag --bogus"));
        const auto scale = p.cli({"scale", "x", "--replicas", "-1"});
        CHECK(scale.code == 2);
    }

    TEST_CASE("cli: logs --follow prints a function's new lines as they happen") {
        Platform p("");
        TempDir work;
        const auto stack = work.write("stack.yml", kStack);
        work.write("talker/talker.sh", "echo \"said: $(cat)\" >&2\necho ok\n");
        const auto deployed = p.cli({"deploy", "-f", stack.string(), "--filter", "talker"});
        REQUIRE_MESSAGE(deployed.code == 0, deployed.err);

        faas::test::ProcessOptions o;
        o.argv = {faas::test::faas_path(), "logs", "talker", "--follow", "--since", "1m", "-g",
                  p.url()};
        o.env = faas::test::base_env();
        o.stdout_path = work.file("follow.out");
        o.stderr_path = work.file("follow.err");
        faas::test::Process follow(std::move(o));
        // A line written after the follow started arrives while the stream stays open.
        for (const std::string word : {"first-word", "second-word"}) {
            CHECK(p.cli({"invoke", "talker"}, word).out == "ok\n");
            CHECK_MESSAGE(faas::test::wait_until(
                              [&] { return contains(faas::test::read_file(work.file("follow.out")),
                                                    "said: " + word); },
                              std::chrono::seconds(20)),
                          faas::test::read_file(work.file("follow.out"))
                              << faas::test::read_file(work.file("follow.err")));
        }
        CHECK(follow.running());
    }
}
