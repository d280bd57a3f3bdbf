#pragma once
// AsyncPlatform: a real nats-server -js, a real faas-provider and a real gateway pointed at both
// (faas_nats_address/port), plus a JetStream connection of the test's own that reads back what
// the gateway stored (a core/nats Consumer on the request stream) and writes dead letters. One
// test thread.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/nats/jet_stream.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/queue_request.hpp"
#include "tests/integration/gateway/gateway_fixture.hpp"
#include "tests/support/nats_server.hpp"

namespace faas::test {

// A message read back from a stream.
struct Stored {
    std::string subject;
    nats::Headers headers;
    std::string data;
    openfaas::QueueRequest request() const;  // fails the test when data is not one
};

// The gateway env that points it at `nats` (callbacks to 127.0.0.1 allowed) plus `extra`.
EnvMap async_env(const NatsServer& nats, EnvMap extra = {});

class AsyncPlatform {
public:
    // Starts everything and waits until the gateway logged "async calls ready".
    explicit AsyncPlatform(EnvMap gateway_env = {});
    ~AsyncPlatform();

    // The stream settings the platform uses (from an empty environment: the defaults).
    static const openfaas::async::StreamSettings& streams();

    // Deploys `name` (process `cat`) with `annotations` (a JSON object text, "" for none) and
    // waits until it has a ready replica.
    void deploy(const std::string& name, const std::string& annotations = {});
    // POST /system/secrets on the provider.
    void create_secret(const std::string& name, const std::string& value);

    // Reads what the request stream holds (in order, each message once: later calls return only
    // newer messages), until `n` messages came or `wait` passed without a new one.
    std::vector<Stored> read_requests(
        std::size_t n, std::chrono::milliseconds wait = std::chrono::milliseconds(1500));
    // Publishes a status record of echo.openfaas-fn on the default queue, the way the
    // queue-worker writes one: `state` at attempt `attempt`, updated now.
    void publish_record(const std::string& call_id,
                        openfaas::CallState state,
                        std::uint32_t attempt,
                        int status_code = 0);
    // Publishes a dead letter for `request` the way the queue-worker does; its stream sequence.
    std::uint64_t publish_dead_letter(const openfaas::QueueRequest& request,
                                      int status,
                                      int attempts,
                                      const std::string& reason);

    nats::JetStream& js() { return *js_; }
    asio::io_context& io() { return io_; }

    NatsServer nats;
    Provider provider;
    Gateway gateway;

private:
    asio::io_context io_;
    std::unique_ptr<nats::JetStream> js_;
    std::uint64_t next_seq_ = 1;  // read_requests' cursor
};

// An async call's body-less request: POST target with headers.
Result<http::Response> post_async(Gateway& g,
                                  const std::string& target,
                                  std::string body,
                                  http::Headers headers = {});

}  // namespace faas::test
