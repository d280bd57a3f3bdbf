#pragma once
// ProviderFixture: one real faas-provider (FAAS_BIN_DIR/faas-provider, replicas are the real
// FAAS_BIN_DIR/fwatchdog) on a free port with its own state dir, plus helpers that speak its
// API. The destructor kills it and every replica it started. One test thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/http/types.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

struct EndpointEntry {
    std::string id;
    std::string address;
    std::uint16_t port = 0;
};

struct EndpointFunction {
    std::string name;
    std::string namespace_;
    std::uint64_t replicas = 0;
    std::uint64_t min_replicas = 0;
    std::vector<EndpointEntry> endpoints;
};

struct EndpointList {
    std::uint64_t generation = 0;
    std::vector<EndpointFunction> functions;
    const EndpointFunction* find(std::string_view name) const;
};

// Parses a /system/endpoints body; fails the test when it is not the documented shape.
EndpointList parse_endpoints(const std::string& body);

class Provider {
public:
    // Starts faas-provider with base_env() + port + state_dir + `env` (which wins), in
    // `state_dir` when given (to restart on the same state), else in its own temp dir.
    explicit Provider(EnvMap env = {}, std::string state_dir = {});
    ~Provider();
    Provider(const Provider&) = delete;
    Provider& operator=(const Provider&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    const std::string& state_dir() const noexcept { return state_dir_; }
    Process& process() noexcept { return *process_; }
    std::string log() const { return process_->stderr_text(); }
    // Stops the provider (SIGTERM) and waits for it to exit.
    void stop();

    Result<http::Response> call(std::string method, std::string target, std::string body = {},
                                http::Headers headers = {});
    Result<http::Response> get(std::string target) { return call("GET", std::move(target)); }

    // POST /system/functions; the status code.
    int deploy(const std::string& json);
    // A minimal deployment body.
    static std::string deployment(const std::string& name, const std::string& process,
                                  const std::string& extra = {});
    int scale(const std::string& name, std::uint64_t replicas);
    std::optional<openfaas::FunctionStatus> status(const std::string& name);
    EndpointList endpoints();
    // Waits until `name` has `n` ready endpoints; returns them (fails the test on timeout).
    std::vector<EndpointEntry> wait_ready(const std::string& name, std::size_t n,
                                          std::chrono::nanoseconds bound = kMaxWait);

private:
    std::unique_ptr<TempDir> dir_;
    std::string state_dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<Process> process_;
    SyncClient client_;
};

// Calls a replica directly: POST body to 127.0.0.1:port/.
Result<http::Response> call_replica(std::uint16_t port, std::string body,
                                    std::string target = "/");

std::string provider_path();

}  // namespace faas::test
