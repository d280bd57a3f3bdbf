// The local back end through the FunctionBackend interface (provider/function_backend.hpp),
// built by make_backend() as the provider builds it, with a real fwatchdog replica: its output
// comes out of logs() as LogLines.
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/asio.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "provider/backends/factory.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef FAAS_BIN_DIR
#error "FAAS_BIN_DIR must name the directory of fwatchdog and faas-replica"
#endif

using namespace std::chrono_literals;
using faas::Status;
using faas::provider::FunctionBackend;
using faas::provider::LogLine;
using faas::provider::LogRequest;
using faas::provider::LogSink;

namespace {

// Keeps what logs() delivers.
class CollectingSink final : public LogSink {
public:
    faas::awaitable<bool> open() override {
        opened = true;
        co_return true;
    }
    faas::awaitable<bool> write(const LogLine& line) override {
        lines.push_back(line);
        co_return true;
    }
    bool opened = false;
    std::vector<LogLine> lines;
};

faas::provider::Config local_config(const faas::test::TempDir& dir) {
    const std::string bin = FAAS_BIN_DIR;
    faas::provider::Config c;
    c.backend = "local";
    c.state_dir = dir.str();
    c.local.self_path = bin + "/faas-provider";
    c.local.fwatchdog_path = bin + "/fwatchdog";
    c.local.launcher_path = bin + "/faas-replica";
    c.local.stop_timeout = 5s;
    return c;
}

faas::openfaas::FunctionDeployment echo_deployment() {
    faas::openfaas::FunctionDeployment d;
    d.service = "echo";
    d.namespace_ = "openfaas-fn";
    d.image = "local";
    d.env_process = "cat";
    return d;
}

struct Outcome {
    Status deployed;
    Status unknown;
    bool unknown_opened = true;
    CollectingSink sink;
};

// Deploys `echo`, reads its logs until a line is there (bounded), asks for an unknown
// function's logs, and shuts the back end down.
faas::awaitable<void> scenario(FunctionBackend& backend, Outcome& out) {
    const auto d = echo_deployment();
    out.deployed = co_await backend.deploy(d);
    LogRequest r;
    r.name = "echo";
    r.namespace_ = "openfaas-fn";
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (out.deployed && std::chrono::steady_clock::now() < deadline) {
        out.sink = CollectingSink{};
        const Status st = co_await backend.logs(r, out.sink);
        if (!st || !out.sink.lines.empty()) {
            break;
        }
        timer.expires_after(50ms);
        co_await timer.async_wait(faas::use_awaitable);
    }
    LogRequest absent;
    absent.name = "absent";
    absent.namespace_ = "openfaas-fn";
    CollectingSink none;
    out.unknown = co_await backend.logs(absent, none);
    out.unknown_opened = none.opened;
    co_await backend.shutdown();
}

}  // namespace

TEST_SUITE("provider local back end") {
TEST_CASE("local back end: a replica's output comes out of logs() as LogLines") {
    faas::test::TempDir dir;
    asio::io_context io;
    faas::metrics::Registry registry;
    const auto config = local_config(dir);
    auto backend =
        faas::provider::make_backend(config, io, faas::log::make("provider"), registry);
    REQUIRE(backend->start().ok());
    CHECK(std::string(backend->provider_name()) == "faas-local");
    CHECK(backend->state_location() == dir.str());
    Outcome out;
    std::exception_ptr failure;
    bool finished = false;
    auto run = [&]() -> faas::awaitable<void> { co_await scenario(*backend, out); };
    asio::co_spawn(io, run, [&](std::exception_ptr e) {
        failure = e;
        finished = true;
    });
    io.run_for(40s);
    REQUIRE(finished);
    if (failure) {
        std::rethrow_exception(failure);
    }
    REQUIRE(out.deployed.ok());
    CHECK(out.sink.opened);
    REQUIRE_FALSE(out.sink.lines.empty());
    for (const auto& l : out.sink.lines) {
        CHECK(l.name == "echo");
        CHECK(l.namespace_ == "openfaas-fn");
        CHECK(l.instance.starts_with("echo-"));
        CHECK(l.timestamp.size() > 20);
    }
    REQUIRE_FALSE(out.unknown.ok());
    CHECK(out.unknown.error().code == faas::errc::not_found);
    CHECK_FALSE(out.unknown_opened);
}

}  // TEST_SUITE
