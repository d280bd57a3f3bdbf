// cli/up and cli/daemon: how faas up finds its binaries, configures nats-server and reads its
// daemons' output.
#include "cli/up.hpp"

#include <map>

#include <doctest/doctest.h>

#include "cli/daemon.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/text.hpp"

namespace {

faas::cli::VarLookup vars(std::map<std::string, std::string> m) {
    return [m = std::move(m)](std::string_view k) -> std::optional<std::string> {
        auto it = m.find(std::string(k));
        return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

using faas::test::contains;

}  // namespace

TEST_SUITE("cli up") {
    TEST_CASE("up: nats-server is found in PATH, and nats_server_path wins") {
        faas::test::TempDir a;
        faas::test::TempDir b;
        a.write("nats-server", "#!/bin/sh\n", true);
        b.write("nats-server", "#!/bin/sh\n", true);
        auto found = faas::cli::find_nats_server(vars({{"PATH", "/nonexistent:" + a.str()}}));
        REQUIRE(found.ok());
        CHECK(*found == a.file("nats-server").string());
        auto chosen = faas::cli::find_nats_server(
            vars({{"PATH", a.str()}, {"nats_server_path", b.file("nats-server").string()}}));
        REQUIRE(chosen.ok());
        CHECK(*chosen == b.file("nats-server").string());
    }

    TEST_CASE("up: no nats-server anywhere is not_found with the install hint") {
        faas::test::TempDir empty;
        auto r = faas::cli::find_nats_server(vars({{"PATH", empty.str()}}), {});
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == faas::errc::not_found);
        CHECK(contains(r.error().what(), "scripts/install-deps.sh"));
        CHECK(contains(r.error().what(), "nats_server_path"));
    }

    TEST_CASE("up: a nats_server_path that is not executable is an error naming it") {
        faas::test::TempDir a;
        a.write("nats-server", "not executable\n", false);
        auto r = faas::cli::find_nats_server(
            vars({{"nats_server_path", a.file("nats-server").string()}}));
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().what(), "nats_server_path=" + a.file("nats-server").string()));
    }

    TEST_CASE("up: a missing sibling binary names the path and the env override") {
        faas::test::TempDir bin;
        auto r = faas::cli::find_sibling(vars({}), bin.path(), "queue_worker_path", "queue-worker");
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().what(), bin.file("queue-worker").string() + " not found"));
        CHECK(contains(r.error().what(), "queue_worker_path"));
        bin.write("queue-worker", "#!/bin/sh\n", true);
        auto ok =
            faas::cli::find_sibling(vars({}), bin.path(), "queue_worker_path", "queue-worker");
        REQUIRE(ok.ok());
        CHECK(*ok == bin.file("queue-worker").string());
    }

    TEST_CASE("up: nats-server gets max_payload 8MB") {
        CHECK(contains(faas::cli::nats_config(), "\nmax_payload: 8MB\n"));
    }

    TEST_CASE("up: callbacks may go to loopback unless callback_allow_hosts says otherwise") {
        CHECK(faas::cli::callback_allow_hosts(vars({})) == "127.0.0.1,::1");
        CHECK(faas::cli::callback_allow_hosts(vars({{"callback_allow_hosts", "hooks.internal"}})) ==
              "hooks.internal");
        CHECK(faas::cli::callback_allow_hosts(vars({{"callback_allow_hosts", ""}})).empty());
    }

    TEST_CASE("up: the port of a daemon's listening line") {
        using faas::cli::listening_port_of;
        CHECK(listening_port_of("[info] listening port=8083 address=127.0.0.1") == 8083);
        CHECK_FALSE(listening_port_of("[info] port=8083").has_value());
        CHECK_FALSE(listening_port_of("listening port=0").has_value());
        CHECK_FALSE(listening_port_of("listening port=70000").has_value());
    }
}
