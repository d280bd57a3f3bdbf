// Replica choice under change, through the real gateway and provider: scale from zero, calls
// racing a scale-down, a killed replica, a call right after a deploy, and the bounded hold.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/integration/gateway/gateway_fixture.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

using faas::test::metric_value;
using faas::test::Platform;
using faas::test::Provider;
using namespace std::chrono_literals;

namespace {

std::string scale_body(const std::string& name, int replicas) {
    return R"({"serviceName":")" + name + R"(","replicas":)" + std::to_string(replicas) + "}";
}

std::string read_proc(pid_t pid, const char* what) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + what, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The processes of the replica serving `port` (its launcher and its fwatchdog, descendants of
// the provider that carry port=<port> in their environment).
std::vector<pid_t> replica_pids(pid_t provider, std::uint16_t port) {
    const std::string want = std::string("port=") + std::to_string(port) + '\0';
    std::vector<pid_t> out;
    for (pid_t pid : faas::test::descendants(provider)) {
        const std::string env = std::string(1, '\0') + read_proc(pid, "environ");
        if (env.find('\0' + want) != std::string::npos) {
            out.push_back(pid);
        }
    }
    return out;
}

// Calls `target` in a loop on its own connection until stopped; counts what was not a 200.
class Caller {
public:
    Caller(std::uint16_t port, std::string target) {
        thread_ = std::thread([this, port, target = std::move(target)] {
            faas::test::SyncClient client;
            while (!stop_) {
                auto r = client.post(port, target, "ping", {}, 10s);
                ++calls_;
                if (!r.ok()) {
                    ++failures_;
                    last_error_ = r.error().what();
                } else if (r->status != 200 || r->body != "ping") {
                    ++failures_;
                    last_error_ = std::to_string(r->status) + " " + r->body;
                }
            }
        });
    }
    ~Caller() { finish(); }
    void finish() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    int calls() const { return calls_; }
    int failures() const { return failures_; }
    std::string last_error() const { return last_error_; }

private:
    std::atomic<bool> stop_{false};
    std::atomic<int> calls_{0};
    std::atomic<int> failures_{0};
    std::string last_error_;
    std::thread thread_;
};

}  // namespace

TEST_SUITE_BEGIN("gateway.scaling");

TEST_CASE("gateway: a call to a function scaled to zero scales it up and answers 200") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    auto eps = p.provider.wait_ready("echo", 1);
    std::vector<double> ms;
    for (int round = 0; round < 5; ++round) {
        CAPTURE(round);
        auto scaled = p.gateway.post("/system/scale-function/echo", scale_body("echo", 0));
        REQUIRE(scaled.ok());
        CHECK(scaled->status == 202);
        CHECK(p.provider.status("echo")->replicas == 0);
        // The gateway knows it is at zero, and the old replica is gone.
        REQUIRE(faas::test::wait_until([&] {
            return metric_value(p.gateway.metrics(),
                                "gateway_service_count{function_name=\"echo.openfaas-fn\"}") == 0;
        }));
        REQUIRE(faas::test::wait_until(
            [&] { return !faas::test::port_accepts(eps.front().port); }));
        const auto t0 = std::chrono::steady_clock::now();
        auto r = p.gateway.post("/function/echo.openfaas-fn", "woken");
        ms.push_back(faas::test::seconds_since(t0) * 1000);
        REQUIRE_MESSAGE(r.ok(), r.error().what() << "\ngateway log:\n" << p.gateway.log());
        CHECK(r->status == 200);
        CHECK(r->body == "woken");
        CHECK(p.provider.status("echo")->replicas == 1);
        eps = p.provider.wait_ready("echo", 1);
    }
    std::sort(ms.begin(), ms.end());
    MESSAGE("scale from zero to first response: median " << ms[ms.size() / 2] << " ms, min "
                                                         << ms.front() << " ms, max " << ms.back()
                                                         << " ms (sanitizer build)");
    const auto text = p.gateway.metrics();
    CHECK(metric_value(text,
                       "faas_gateway_scale_from_zero_waits_total"
                       "{function_name=\"echo.openfaas-fn\",outcome=\"ready\"}") == 5);
}

TEST_CASE("gateway: calls racing scale-down and scale-up never fail") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment(
                "echo", "cat", R"("labels":{"com.openfaas.scale.min":"2"})")) == 202);
    p.provider.wait_ready("echo", 2);
    Caller a(p.gateway.port(), "/function/echo");
    Caller b(p.gateway.port(), "/function/echo");
    for (int round = 0; round < 3; ++round) {
        CHECK(p.provider.scale("echo", 1) == 202);
        p.provider.wait_ready("echo", 1);
        std::this_thread::sleep_for(300ms);  // the removed replica drains and stops meanwhile
        CHECK(p.provider.scale("echo", 2) == 202);
        p.provider.wait_ready("echo", 2);
        std::this_thread::sleep_for(100ms);
    }
    a.finish();
    b.finish();
    CAPTURE(a.last_error());
    CAPTURE(b.last_error());
    CHECK(a.calls() + b.calls() > 20);
    CHECK(a.failures() == 0);
    CHECK(b.failures() == 0);
    MESSAGE("calls during scaling: " << a.calls() + b.calls());
}

TEST_CASE("gateway: killing a replica's process does not fail calls") {
    Platform p;
    REQUIRE(p.provider.deploy(Provider::deployment(
                "echo", "cat", R"("labels":{"com.openfaas.scale.min":"2"})")) == 202);
    auto eps = p.provider.wait_ready("echo", 2);
    // Warm keep-alive connections to both replicas.
    for (int i = 0; i < 6; ++i) {
        auto r = p.gateway.post("/function/echo", "warm");
        REQUIRE(r.ok());
        CHECK(r->status == 200);
    }
    const auto victims = replica_pids(p.provider.process().pid(), eps.front().port);
    REQUIRE_MESSAGE(!victims.empty(), "no process serves port " << eps.front().port);
    for (pid_t pid : victims) {
        REQUIRE(::kill(pid, SIGKILL) == 0);
    }
    // A call in flight while the process dies may fail (it was sent; the function may have run).
    // Once it is gone its connections are closed and calls must not fail.
    REQUIRE(faas::test::wait_until([&] {
        return std::all_of(victims.begin(), victims.end(), faas::test::gone) &&
               !faas::test::port_accepts(eps.front().port);
    }));
    int failures = 0;
    std::string last;
    for (int i = 0; i < 40; ++i) {
        auto r = p.gateway.post("/function/echo", "after");
        if (!r.ok() || r->status != 200 || r->body != "after") {
            ++failures;
            last = r.ok() ? std::to_string(r->status) + " " + r->body : r.error().what();
        }
    }
    CAPTURE(last);
    CHECK(failures == 0);
    const double retries = metric_value(
        p.gateway.metrics(),
        "faas_gateway_replica_retries_total{function_name=\"echo.openfaas-fn\"}");
    MESSAGE("calls sent to another replica after the kill: " << retries);
}

TEST_CASE("gateway: a call right after a deploy waits for the first replica") {
    Platform p;
    auto deployed = p.gateway.post("/system/functions", Provider::deployment("fresh", "cat"));
    REQUIRE(deployed.ok());
    REQUIRE(deployed->status == 202);
    auto r = p.gateway.post("/function/fresh", "first");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "first");
}

TEST_CASE("gateway: a function that never gets ready is 504 after scale_from_zero_timeout") {
    Platform p({}, {{"scale_from_zero_timeout", "1500ms"}});
    faas::test::TempDir dir;
    // http mode with a server that never listens: the replica never becomes ready.
    const auto script = dir.write("never.sh", "exec sleep 600\n");
    REQUIRE(p.provider.deploy(Provider::deployment(
                "stuck", "sh " + script.string(),
                R"("envVars":{"mode":"http","upstream_url":"http://127.0.0.1:0"})")) == 202);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = p.gateway.post("/function/stuck", "x");
    const double took = faas::test::seconds_since(t0);
    REQUIRE(r.ok());
    CHECK(r->status == 504);
    CHECK(r->body.find("scale_from_zero_timeout") != std::string::npos);
    CHECK(took >= 1.4);
    CHECK(took < 5);
}

TEST_CASE("gateway: with scale_from_zero off a function at zero is 503 at once") {
    Platform p({}, {{"scale_from_zero", "false"}});
    REQUIRE(p.provider.deploy(Provider::deployment("echo", "cat")) == 202);
    p.provider.wait_ready("echo", 1);
    CHECK(p.provider.scale("echo", 0) == 202);
    REQUIRE(faas::test::wait_until([&] {
        return metric_value(p.gateway.metrics(),
                            "gateway_service_count{function_name=\"echo.openfaas-fn\"}") == 0;
    }));
    auto r = p.gateway.post("/function/echo", "x");
    REQUIRE(r.ok());
    CHECK(r->status == 503);
    CHECK(r->body == "No endpoints available for: echo.openfaas-fn.\n");
    CHECK(p.provider.status("echo")->replicas == 0);
}

TEST_SUITE_END();
