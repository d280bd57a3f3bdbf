#pragma once
// FunctionBackend: what the provider API needs from a back end, in domain types only (a
// deployment, a status, a log line; no HTTP). Each back end lives in its own folder under
// provider/backends/ and is built by make_backend() (provider/backends/factory.hpp), picked by
// `backend=` in the provider's env (docs/provider.md). Owned by the Provider.
//
// Threads: the control thread is the io_context the back end was built with. Every method runs
// there unless its comment says otherwise; the Api hops there with co_spawn. Errors carry the
// HTTP status through errc (errc::not_found -> 404, bad_request -> 400, ...). Deployments and
// secrets arrive already checked by provider/deployment.hpp.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"
#include "provider/endpoint_board.hpp"

namespace faas::provider {

// Which lines GET /system/logs asks for.
struct LogQuery {
    std::string instance;  // empty: every instance
    std::optional<std::chrono::system_clock::time_point> since;
    std::int64_t tail = 0;  // <= 0: all
};

struct LogRequest {
    std::string name;
    std::string namespace_;
    LogQuery query;
    bool follow = false;
};

// One line of a function's output, as GET /system/logs answers it.
struct LogLine {
    std::string name;
    std::string namespace_;
    std::string instance;   // the replica (local) or task (swarm) that wrote it
    std::string timestamp;  // RFC 3339
    std::string text;
};

// Where FunctionBackend::logs() delivers lines. Called on the thread that called logs(), one
// call at a time; the API's sink writes NDJSON to the client.
class LogSink {
public:
    virtual ~LogSink() = default;
    // The function exists: the answer starts, lines follow (maybe none). Called once, before
    // any line. False: the client is gone and the back end stops.
    virtual awaitable<bool> open() = 0;
    // One line. False: the client is gone and the back end stops.
    virtual awaitable<bool> write(const LogLine& line) = 0;
};

class FunctionBackend {
public:
    virtual ~FunctionBackend() = default;

    // --- identity and lifecycle ---
    // For /system/info and the listening line: "faas-local"/"local", "faas-swarm"/"swarm", ...
    // Any thread (constants).
    virtual const char* provider_name() const noexcept = 0;
    virtual const char* orchestration() const noexcept = 0;
    // Where the back end keeps or finds its state, for the listening line's state= (the local
    // state directory, dockerd's socket). Any thread (set at construction).
    virtual const std::string& state_location() const noexcept = 0;
    // The namespace used when a request names none. Any thread (set at construction).
    virtual const std::string& default_namespace() const noexcept = 0;
    // Called once, before the control thread runs: restores state and starts background work.
    // An error means the provider cannot serve and exits.
    virtual Status start() = 0;
    // Stops what the back end runs (the local one: every replica) and wakes every waiter (the
    // endpoint long poll, log followers). Called once.
    virtual awaitable<void> shutdown() = 0;

    // --- functions ---
    // Creates a function (errc::conflict when it exists).
    virtual awaitable<Status> deploy(const openfaas::FunctionDeployment& d) = 0;
    // Replaces an existing function's deployment (errc::not_found when absent).
    virtual awaitable<Status> update(const openfaas::FunctionDeployment& d) = 0;
    virtual awaitable<Status> remove(const std::string& ns, const std::string& name) = 0;
    // Sets the desired replica count.
    virtual awaitable<Status> scale(const std::string& ns,
                                    const std::string& name,
                                    std::uint64_t replicas) = 0;
    virtual awaitable<Result<std::vector<openfaas::FunctionStatus>>> list(
        const std::string& ns) = 0;
    virtual awaitable<Result<openfaas::FunctionStatus>> status(const std::string& ns,
                                                               const std::string& name) = 0;
    // A ready replica of the function (round robin), if any, from what the back end knows now.
    virtual std::optional<http::Endpoint> pick(const std::string& ns, const std::string& name) = 0;
    // The endpoint list the gateway long-polls.
    virtual EndpointBoard& board() noexcept = 0;

    // --- secrets ---
    virtual awaitable<Status> create_secret(const openfaas::Secret& s) = 0;
    virtual awaitable<Status> update_secret(const openfaas::Secret& s) = 0;
    virtual awaitable<Status> delete_secret(const std::string& ns, const std::string& name) = 0;
    // Names only: values never leave the provider through the API.
    virtual awaitable<Result<std::vector<openfaas::Secret>>> list_secrets(
        const std::string& ns) = 0;
    // The bytes of the secret a function names in its com.faas.webhook.secret annotation (for
    // the gateway's webhook verification). errc::not_found when the function, the annotation
    // or the secret is missing.
    virtual awaitable<Result<std::string>> webhook_secret(const std::string& ns,
                                                          const std::string& name) = 0;

    // --- namespaces ---
    virtual awaitable<std::vector<std::string>> namespaces() = 0;
    virtual awaitable<Result<openfaas::FunctionNamespace>> get_namespace(const std::string& ns) = 0;
    virtual awaitable<Status> create_namespace(const openfaas::FunctionNamespace& ns) = 0;
    virtual awaitable<Status> update_namespace(const openfaas::FunctionNamespace& ns) = 0;
    virtual awaitable<Status> delete_namespace(const std::string& ns) = 0;

    // --- logs ---
    // Runs on the calling handler's thread (it may stream for as long as the client follows)
    // and hops where it needs to. An unknown function is errc::not_found before sink.open();
    // otherwise the function's lines matching `r.query` go to `sink`, oldest first, then, while
    // `r.follow`, new ones as they come, until the sink answers false or shutdown() is called.
    // Errors after sink.open() end the stream (the answer has started) and are logged.
    virtual awaitable<Status> logs(const LogRequest& r, LogSink& sink) = 0;
};

}  // namespace faas::provider
