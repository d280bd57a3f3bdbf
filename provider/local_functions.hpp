#pragma once
// LocalFunctions: the FunctionBackend of the local back end (replicas are fwatchdog processes
// on this host). Forwards to the Backend, which does the work synchronously on the control
// thread; logs come from its LogStore.
#include "core/asio.hpp"
#include "provider/backends/local/backend.hpp"
#include "provider/function_backend.hpp"

namespace faas::provider {

class LocalFunctions final : public FunctionBackend {
public:
    LocalFunctions(Backend& backend, asio::io_context& control)
        : backend_(backend), control_(control) {}

    const char* provider_name() const noexcept override { return "faas-local"; }
    const char* orchestration() const noexcept override { return "local"; }
    awaitable<void> shutdown() override;
    bool shutting_down() const noexcept override { return backend_.shutting_down(); }
    const std::string& default_namespace() const noexcept override {
        return backend_.default_namespace();
    }

    awaitable<Status> deploy(const openfaas::FunctionDeployment& d) override;
    awaitable<Status> update(const openfaas::FunctionDeployment& d) override;
    awaitable<Status> remove(const std::string& ns, const std::string& name) override;
    awaitable<Status> scale(const std::string& ns, const std::string& name,
                            std::uint64_t replicas) override;
    awaitable<Result<std::vector<openfaas::FunctionStatus>>> list(const std::string& ns) override;
    awaitable<Result<openfaas::FunctionStatus>> status(const std::string& ns,
                                                       const std::string& name) override;
    std::optional<http::Endpoint> pick(const std::string& ns, const std::string& name) override {
        return backend_.pick(ns, name);
    }
    EndpointBoard& board() noexcept override { return backend_.board(); }

    awaitable<Status> create_secret(const openfaas::Secret& s) override;
    awaitable<Status> update_secret(const openfaas::Secret& s) override;
    awaitable<Status> delete_secret(const std::string& ns, const std::string& name) override;
    awaitable<Result<std::vector<openfaas::Secret>>> list_secrets(const std::string& ns) override;
    awaitable<Result<std::string>> webhook_secret(const std::string& ns,
                                                  const std::string& name) override;

    awaitable<std::vector<std::string>> namespaces() override;
    awaitable<Result<openfaas::FunctionNamespace>> get_namespace(const std::string& ns) override;
    awaitable<Status> create_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> update_namespace(const openfaas::FunctionNamespace& ns) override;
    awaitable<Status> delete_namespace(const std::string& ns) override;

    awaitable<void> stream_logs(http::Exchange& ex, http::ClientPool& client,
                                const LogRequest& r) override;

private:
    Backend& backend_;
    asio::io_context& control_;
};

}  // namespace faas::provider
