#pragma once
// FunctionBackend: what the provider API needs from a back end. Two implement it: the local
// one (replicas are fwatchdog processes on this host, provider/backend.hpp) and the Swarm one
// (replicas are tasks of Docker Swarm services, provider/swarm_backend.hpp); `backend=` in the
// provider's env picks one (docs/provider.md).
//
// Threads: every method except stream_logs() runs on the control thread, which the Api hops
// to; stream_logs() runs on the calling handler's thread and hops on its own where it needs to.
// Errors carry the HTTP status through errc (errc::not_found -> 404, bad_request -> 400, ...).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "core/http/exchange.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"
#include "provider/endpoint_board.hpp"
#include "provider/backends/local/log_store.hpp"

namespace faas::provider {

struct LogRequest {
    std::string name;
    std::string namespace_;
    LogQuery query;
    bool follow = false;
};

// One NDJSON line of GET /system/logs ({name,namespace,instance,timestamp,text} and "\n").
std::string log_line_json(const std::string& name, const std::string& ns, const std::string& instance,
                          const std::string& timestamp, const std::string& text);

class FunctionBackend {
public:
    virtual ~FunctionBackend() = default;

    // For /system/info: provider name and orchestration ("faas-local"/"local", ...).
    virtual const char* provider_name() const noexcept = 0;
    virtual const char* orchestration() const noexcept = 0;

    // Stops what the back end runs (the local one: every replica) and wakes every waiter.
    virtual awaitable<void> shutdown() = 0;
    virtual bool shutting_down() const noexcept = 0;
    virtual const std::string& default_namespace() const noexcept = 0;

    // --- functions ---
    virtual awaitable<Status> deploy(const openfaas::FunctionDeployment& d) = 0;
    virtual awaitable<Status> update(const openfaas::FunctionDeployment& d) = 0;
    virtual awaitable<Status> remove(const std::string& ns, const std::string& name) = 0;
    virtual awaitable<Status> scale(const std::string& ns, const std::string& name,
                                    std::uint64_t replicas) = 0;
    virtual awaitable<Result<std::vector<openfaas::FunctionStatus>>> list(const std::string& ns) = 0;
    virtual awaitable<Result<openfaas::FunctionStatus>> status(const std::string& ns,
                                                               const std::string& name) = 0;
    // A ready replica of the function (round robin), if any. From what the back end knows now.
    virtual std::optional<http::Endpoint> pick(const std::string& ns, const std::string& name) = 0;
    // The endpoint list the gateway long-polls.
    virtual EndpointBoard& board() noexcept = 0;

    // --- secrets ---
    virtual awaitable<Status> create_secret(const openfaas::Secret& s) = 0;
    virtual awaitable<Status> update_secret(const openfaas::Secret& s) = 0;
    virtual awaitable<Status> delete_secret(const std::string& ns, const std::string& name) = 0;
    virtual awaitable<Result<std::vector<openfaas::Secret>>> list_secrets(const std::string& ns) = 0;
    // The bytes of the secret a function names in its com.faas.webhook.secret annotation.
    virtual awaitable<Result<std::string>> webhook_secret(const std::string& ns,
                                                          const std::string& name) = 0;

    // --- namespaces ---
    virtual awaitable<std::vector<std::string>> namespaces() = 0;
    virtual awaitable<Result<openfaas::FunctionNamespace>> get_namespace(const std::string& ns) = 0;
    virtual awaitable<Status> create_namespace(const openfaas::FunctionNamespace& ns) = 0;
    virtual awaitable<Status> update_namespace(const openfaas::FunctionNamespace& ns) = 0;
    virtual awaitable<Status> delete_namespace(const std::string& ns) = 0;

    // --- logs (handler thread) ---
    // Answers GET /system/logs: 404 when the function is unknown, else 200 NDJSON lines
    // (log_line_json), following while `r.follow` until the client leaves or shutdown.
    virtual awaitable<void> stream_logs(http::Exchange& ex, http::ClientPool& client,
                                        const LogRequest& r) = 0;
};

}  // namespace faas::provider
