// fwatchdog start-up, health, lock file and shutdown, per docs/watchdog.md "Health and lifecycle".
#include <csignal>
#include <filesystem>
#include <future>
#include <string>

#include <doctest/doctest.h>

#include "tests/integration/watchdog_fixture.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/printers.hpp"

using faas::test::kMaxWait;
using faas::test::TempDir;
using faas::test::Watchdog;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kWaitForRelease = R"(cat > /dev/null
i=0
while [ ! -e "$RELEASE_FILE" ] && [ $i -lt 400 ]; do
    sleep 0.025
    i=$((i + 1))
done
echo released
)";

// Runs `fwatchdog <flag>` with TMPDIR=dir.
faas::test::RunResult run_flag(const std::string& flag, const TempDir& dir) {
    auto env = faas::test::base_env();
    env["TMPDIR"] = dir.str();
    return faas::test::run({faas::test::fwatchdog_path(), flag}, env);
}

}  // namespace

TEST_SUITE_BEGIN("watchdog.lifecycle");

TEST_CASE("watchdog health: 200 while the lock file exists then 503 and 405 for POST") {
    Watchdog dog({{"fprocess", "cat"}}, Watchdog::Start::LockFile);
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 200);
    auto post = dog.post("/_/health", "");
    REQUIRE(post.ok());
    CHECK(post->status == 405);

    std::filesystem::remove(dog.lock_path());
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 503);
    // The function itself keeps working: health is only what probes see.
    auto r = dog.post("/", "still here");
    REQUIRE(r.ok());
    CHECK(r->body == "still here");
}

TEST_CASE("watchdog ready: 200 when healthy and 503 without the lock file") {
    Watchdog dog({{"fprocess", "cat"}}, Watchdog::Start::LockFile);
    CHECK(faas::test::status_of_get(dog.port(), "/_/ready") == 200);
    std::filesystem::remove(dog.lock_path());
    CHECK(faas::test::status_of_get(dog.port(), "/_/ready") == 503);
}

TEST_CASE("watchdog health: suppress_lock=true writes no lock file and answers 503") {
    Watchdog dog({{"fprocess", "cat"}, {"suppress_lock", "true"}});
    auto r = dog.post("/", "x");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK_FALSE(std::filesystem::exists(dog.lock_path()));
    CHECK(faas::test::status_of_get(dog.port(), "/_/health") == 503);
}

TEST_CASE("watchdog: -run-healthcheck exits 0 only while the lock file exists") {
    TempDir empty;
    auto before = run_flag("-run-healthcheck", empty);
    CHECK_FALSE(before.exit.exited_with(0));
    CHECK(before.exit.signal == 0);

    Watchdog dog({{"fprocess", "cat"}}, Watchdog::Start::LockFile);
    auto running = run_flag("-run-healthcheck", dog.dir());
    CHECK(running.exit.exited_with(0));

    std::filesystem::remove(dog.lock_path());
    auto removed = run_flag("-run-healthcheck", dog.dir());
    CHECK_FALSE(removed.exit.exited_with(0));
}

TEST_CASE("watchdog: -version prints the version and exits 0") {
    TempDir dir;
    auto r = run_flag("-version", dir);
    CHECK(r.exit.exited_with(0));
    CHECK(r.out.find("version") != std::string::npos);
}

TEST_CASE("watchdog: a missing fprocess stops start-up with exit code 1 and one line") {
    Watchdog dog({}, Watchdog::Start::NoWait);
    auto exit = dog.process().wait_exit();
    REQUIRE(exit.has_value());
    CHECK(exit->exited_with(1));
    std::string err = dog.log();
    CAPTURE(err);
    while (!err.empty() && err.back() == '\n') {
        err.pop_back();
    }
    CHECK_FALSE(err.empty());
    CHECK(err.find('\n') == std::string::npos);
    CHECK(err.find("fprocess") != std::string::npos);
}

TEST_CASE("watchdog: port=0 picks a free port and logs it") {
    Watchdog dog({{"fprocess", "cat"}, {"port", "0"}}, Watchdog::Start::NoWait);
    REQUIRE(dog.wait_for_log_line({"listening port="}));
    const std::string log = dog.log();
    const auto at = log.find("listening port=") + std::string("listening port=").size();
    const int port = std::stoi(log.substr(at));
    REQUIRE(port > 0);
    auto r = faas::test::http_post(static_cast<std::uint16_t>(port), "/", "zero");
    REQUIRE(r.ok());
    CHECK(r->body == "zero");
}

TEST_CASE("watchdog: SIGTERM lets an in-flight call finish and exits 0") {
    TempDir fn;
    Watchdog dog({{"fprocess", faas::test::shell_function(fn, "slow.sh", kWaitForRelease)},
                  {"RELEASE_FILE", fn.file("release").string()},
                  {"healthcheck_interval", "0"}},
                 Watchdog::Start::LockFile);
    const auto port = dog.port();
    auto call = std::async(std::launch::async,
                           [port] { return faas::test::http_post(port, "/", "in flight"); });
    REQUIRE(dog.wait_for_log_line({"Forking fprocess"}));
    dog.process().signal(SIGTERM);
    // The lock file goes first, so probes see the watchdog leaving.
    CHECK(faas::test::wait_until([&] { return !std::filesystem::exists(dog.lock_path()); }));
    CHECK(dog.process().running());

    fn.write("release", "");
    REQUIRE(call.wait_for(kMaxWait) == std::future_status::ready);
    auto r = call.get();
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "released\n");
    auto exit = dog.process().wait_exit();
    REQUIRE(exit.has_value());
    CAPTURE(dog.log());
    CHECK(exit->exited_with(0));
}

TEST_CASE("watchdog: after SIGTERM health answers 503 for healthcheck_interval while calls work") {
    Watchdog dog({{"fprocess", "cat"}, {"healthcheck_interval", "2s"}}, Watchdog::Start::LockFile);
    const auto start = std::chrono::steady_clock::now();
    dog.process().signal(SIGTERM);
    CHECK(faas::test::wait_until(
        [&] { return faas::test::status_of_get(dog.port(), "/_/health") == 503; }, 1500ms));
    auto r = dog.post("/", "during drain");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "during drain");
    auto exit = dog.process().wait_exit();
    REQUIRE(exit.has_value());
    CHECK(exit->exited_with(0));
    CHECK(faas::test::seconds_since(start) >= 1.8);
    CHECK_FALSE(faas::test::port_accepts(dog.port()));
}

TEST_SUITE_END();
