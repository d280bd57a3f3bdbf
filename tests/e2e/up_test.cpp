// `faas up` as a user runs it: the example stack answers through the gateway, Ctrl-C stops
// everything, and start-up problems are clear.
#include <algorithm>
#include <csignal>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "core/asio.hpp"
#include "core/text/text.hpp"
#include "tests/e2e/platform.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/text.hpp"
#include "tests/support/wait.hpp"

using faas::test::Platform;
using faas::test::TempDir;

namespace {

using faas::test::contains;

}  // namespace

TEST_SUITE("e2e up") {
    TEST_CASE("up: every example function answers through the gateway and SIGINT stops all") {
        TempDir stash;
        Platform p(std::filesystem::path(FAAS_SOURCE_DIR) / "examples/stack.yml",
                   {{"FAAS_STASH_DIR", stash.str()}});
        CHECK(contains(p.output(), "curl -s " + p.url() + "/function/echo -d hi"));

        auto echo = p.call("POST", "/function/echo", "hi");
        REQUIRE(echo.ok());
        CHECK(echo->status == 200);
        CHECK(echo->body == "hi");
        auto sha = p.call("POST", "/function/sha512sum", "hi");
        REQUIRE(sha.ok());
        CHECK(sha->body.rfind("150a14ed5bea6cc731cf86c41566ac427a8db48ef1b9fd626664b3bfbb99071f",
                              0) == 0);
        auto env = p.call("GET", "/function/env/x?y=1");
        REQUIRE(env.ok());
        CHECK(contains(env->body, "Http_Method=GET"));
        CHECK(contains(env->body, "Http_Path=/x"));
        CHECK(contains(env->body, "greeting=hello from stack.yml"));
        auto words = p.call("POST", "/function/wordcount", "one two three");
        REQUIRE(words.ok());
        CHECK(contains(words->body, "\"words\":3"));
        auto greet = p.call("GET", "/function/hello-http/greet?name=e2e");
        REQUIRE(greet.ok());
        CHECK(greet->status == 200);
        CHECK(contains(greet->body, "hello, e2e"));
        auto upper = p.call("POST", "/function/hello-http/upper", "abc");
        REQUIRE(upper.ok());
        CHECK(upper->body == "ABC");
        auto no_route = p.call("GET", "/function/hello-http/other");
        REQUIRE(no_route.ok());
        CHECK(no_route->status == 404);
        auto stashed = p.call("POST", "/function/webhook-stash/hook", "payload",
                              {faas::http::Header{"X-Event", "push"}});
        REQUIRE(stashed.ok());
        REQUIRE(stashed->status == 200);
        const std::string name(faas::text::trim(stashed->body));
        const std::string saved = faas::test::read_file(stash.file(name));
        CHECK(contains(saved, "POST /hook"));
        CHECK(contains(saved, "X-Event: push"));
        CHECK(contains(saved, "\n\npayload"));

        const pid_t up = p.process().pid();
        const auto children = faas::test::descendants(up);
        REQUIRE(faas::test::child_named(up, "gateway") > 0);
        REQUIRE(faas::test::child_named(up, "faas-provider") > 0);
        REQUIRE(faas::test::child_named(up, "nats-server") > 0);
        REQUIRE(faas::test::child_named(up, "queue-worker") > 0);
        // nats-server, provider, gateway, queue-worker, six replicas at least
        REQUIRE(children.size() >= 10);
        p.process().signal(SIGINT);
        const auto exit = p.process().wait_exit(std::chrono::seconds(60));
        REQUIRE_MESSAGE(exit.has_value(), "faas up did not stop:\n" << p.output());
        CHECK_MESSAGE(exit->exited_with(0), p.output());
        for (pid_t pid : children) {
            CHECK_MESSAGE(faas::test::wait_until([&] { return faas::test::gone(pid); }),
                          "pid " << pid << " outlived faas up");
        }
        CHECK(contains(p.output(), "faas up: stopped"));
        // Reverse start order: the queue-worker first, nats-server last.
        const auto out = p.output();
        const auto worker_stop = out.find("faas up: stopping queue-worker");
        const auto gateway_stop = out.find("faas up: stopping gateway");
        const auto nats_stop = out.find("faas up: stopping nats");
        CHECK(worker_stop < gateway_stop);
        CHECK(gateway_stop < nats_stop);
        CHECK(nats_stop != std::string::npos);
    }

    TEST_CASE("up: a busy gateway port is refused with a clear message") {
        asio::io_context io;
        asio::ip::tcp::acceptor busy(
            io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        const auto port = busy.local_endpoint().port();
        TempDir dir;
        auto r = faas::test::run({faas::test::faas_path(), "up", "--port", std::to_string(port),
                                  "--state-dir", dir.file("state").string(), "--no-examples"},
                                 faas::test::base_env(), std::chrono::seconds(30));
        CHECK(r.exit.exited_with(1));
        CHECK_MESSAGE(
            contains(r.err, "port " + std::to_string(port) + " on 127.0.0.1 is already in use"),
            r.err);
    }

    TEST_CASE("up: a daemon that dies is named, the rest is stopped, and faas up exits 1") {
        Platform p("");
        const pid_t up = p.process().pid();
        const pid_t gateway = faas::test::child_named(up, "gateway");
        const pid_t provider = faas::test::child_named(up, "faas-provider");
        REQUIRE(gateway > 0);
        REQUIRE(provider > 0);
        ::kill(gateway, SIGKILL);
        const auto exit = p.process().wait_exit(std::chrono::seconds(60));
        REQUIRE_MESSAGE(exit.has_value(), "faas up did not stop:\n" << p.output());
        CHECK(exit->exited_with(1));
        CHECK_MESSAGE(contains(p.output(), "gateway (pid " + std::to_string(gateway) + ") exited"),
                      p.output());
        CHECK(faas::test::wait_until([&] { return faas::test::gone(provider); }));
    }

    TEST_CASE(
        "up: without nats-server faas up exits 2 with the install hint, before starting "
        "anything") {
        TempDir dir;
        auto env = faas::test::base_env();
        env["nats_server_path"] = dir.file("no-nats-server").string();
        auto r = faas::test::run(
            {faas::test::faas_path(), "up", "--port", std::to_string(faas::test::free_port()),
             "--state-dir", dir.file("state").string(), "--no-examples"},
            env, std::chrono::seconds(30));
        CHECK(r.exit.exited_with(2));
        CHECK_MESSAGE(contains(r.err, "nats_server_path=" + dir.file("no-nats-server").string() +
                                          " is not an executable file"),
                      r.err);
        CHECK_FALSE(std::filesystem::exists(dir.file("state/logs/provider.log")));
    }

    TEST_CASE("up: a nats-server that keeps exiting before it is ready is given up after 3 tries") {
        TempDir dir;
        const auto fake =
            dir.write("nats-server", "#!/bin/sh\necho 'bad config' >&2\nexit 1\n", true);
        auto env = faas::test::base_env();
        env["nats_server_path"] = fake.string();
        auto r = faas::test::run(
            {faas::test::faas_path(), "up", "--port", std::to_string(faas::test::free_port()),
             "--state-dir", dir.file("state").string(), "--no-examples", "--quiet"},
            env, std::chrono::seconds(30));
        CHECK(r.exit.exited_with(1));
        CHECK_MESSAGE(contains(r.out, "faas up: nats exited 3 times in a row before it was ready"),
                      r.out);
        CHECK(contains(r.err, "its last lines"));
        CHECK(contains(r.err, "    bad config"));
        CHECK_FALSE(std::filesystem::exists(dir.file("state/logs/provider.log")));
    }

    TEST_CASE("up: a missing queue-worker binary is named before anything starts") {
        TempDir dir;
        auto env = faas::test::base_env();
        env["queue_worker_path"] = dir.file("queue-worker").string();
        auto r = faas::test::run(
            {faas::test::faas_path(), "up", "--port", std::to_string(faas::test::free_port()),
             "--state-dir", dir.file("state").string(), "--no-examples"},
            env, std::chrono::seconds(30));
        CHECK(r.exit.exited_with(1));
        CHECK_MESSAGE(contains(r.err, dir.file("queue-worker").string() +
                                          " not found or not executable (build it with "
                                          "scripts/build.sh, or set queue_worker_path)"),
                      r.err);
        CHECK_FALSE(std::filesystem::exists(dir.file("state/logs/provider.log")));
    }

    TEST_CASE(
        "up: nats-server runs with the JetStream store in the state dir and max_payload 8MB") {
        Platform p("");
        const auto conf = faas::test::read_file(p.dir().file("state/nats/nats-server.conf"));
        CHECK(contains(conf, "max_payload: 8MB"));
        CHECK(std::filesystem::is_directory(p.dir().file("state/nats/jetstream")));
        CHECK(contains(p.output(), "faas up: nats-server (JetStream) is ready on 127.0.0.1:"));
        CHECK(contains(p.output(), "faas up: queue-worker is healthy"));
        const pid_t nats = faas::test::child_named(p.process().pid(), "nats-server");
        REQUIRE(nats > 0);
        std::ifstream cmdline("/proc/" + std::to_string(nats) + "/cmdline");
        std::string args((std::istreambuf_iterator<char>(cmdline)),
                         std::istreambuf_iterator<char>());
        std::replace(args.begin(), args.end(), '\0', ' ');
        CHECK_MESSAGE(contains(args, "-js -a 127.0.0.1 -p "), args);
        CHECK(contains(args, "-sd " + p.dir().file("state/nats").string()));
    }
}
