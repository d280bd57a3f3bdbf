#pragma once
// GatewayFixture: one real gateway (FAAS_BIN_DIR/gateway) on port 0 in front of a real
// faas-provider (the provider tests' fixture, replicas are the real fwatchdog). The gateway's
// ports are read from its "listening port=N metrics_port=M" line. The destructors kill both
// and every replica. One test thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/http/types.hpp"
#include "core/result.hpp"
#include "tests/integration/provider/provider_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {

std::string gateway_path();

class Gateway {
public:
    // Starts the gateway with base_env() + port=0 + metrics_port=0 + the provider's URL + `env`
    // (which wins); fails the test with its log when it does not come up.
    Gateway(std::uint16_t provider_port, EnvMap env = {});
    ~Gateway();
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t metrics_port() const noexcept { return metrics_port_; }
    Process& process() noexcept { return *process_; }
    std::string log() const { return process_->stderr_text(); }

    Result<http::Response> call(std::string method, std::string target, std::string body = {},
                                http::Headers headers = {},
                                std::chrono::nanoseconds timeout = kMaxWait);
    Result<http::Response> get(std::string target, http::Headers headers = {}) {
        return call("GET", std::move(target), {}, std::move(headers));
    }
    Result<http::Response> post(std::string target, std::string body, http::Headers headers = {}) {
        return call("POST", std::move(target), std::move(body), std::move(headers));
    }
    // GET :metrics_port/metrics.
    std::string metrics();

private:
    std::unique_ptr<TempDir> dir_;
    std::uint16_t port_ = 0;
    std::uint16_t metrics_port_ = 0;
    std::unique_ptr<Process> process_;
    SyncClient client_;
};

// A provider and a gateway in front of it, each with extra env.
struct Platform {
    explicit Platform(EnvMap provider_env = {}, EnvMap gateway_env = {})
        : provider(std::move(provider_env)), gateway(provider.port(), std::move(gateway_env)) {}
    Provider provider;
    Gateway gateway;
};

// The value of header `name` in `r`, or "".
std::string header_of(const http::Response& r, std::string_view name);
// The value of NAME=... in `env` output, or "".
std::string env_line(std::string_view env_output, std::string_view name);
// The number after `series` ("name{labels}") in Prometheus text, or -1 when absent.
double metric_value(const std::string& text, const std::string& series);
// A line of Prometheus text that starts with `name{` and contains every one of `parts`.
bool has_series(const std::string& text, const std::string& name,
                std::initializer_list<std::string_view> parts);

}  // namespace faas::test
