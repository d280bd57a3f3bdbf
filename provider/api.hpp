#pragma once
// Api: the faas-provider HTTP API (docs/wire-contract.md §2, docs/contracts.md) on core's Server.
// Handlers run on every pool thread; whatever touches the Backend hops to the control thread
// with co_spawn and comes back with a finished Response. Owned by Provider.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/http/basic_auth.hpp"
#include "core/http/client.hpp"
#include "core/http/respond.hpp"
#include "core/http/router.hpp"
#include "core/http/server.hpp"
#include "core/log/log.hpp"
#include "core/metrics/metrics.hpp"
#include "core/openfaas/types.hpp"
#include "provider/function_backend.hpp"
#include "provider/config.hpp"

namespace faas::provider {

class Api {
public:
    Api(FunctionBackend& backend, asio::io_context& control, const Config& config, log::Logger log,
        metrics::Registry& registry, std::optional<http::Credentials> credentials);
    ~Api();
    Api(const Api&) = delete;
    Api& operator=(const Api&) = delete;

    // For Server: one handler (with its own ClientPool) per pool thread.
    http::HandlerFactory factory();

    struct Thread;
    struct Metrics;

private:
    // A route's handler; the Params are the captures of its pattern.
    using Route = std::function<awaitable<void>(Thread&, http::Exchange&, const http::Params&)>;
    // Every route of the API (api_routes.cpp), with its metric label.
    http::Router<Route> routes();

    awaitable<void> handle(Thread& t, http::Exchange& ex);
    awaitable<void> route(Thread& t, http::Exchange& ex, std::string& route_label);
    awaitable<void> admin(http::Exchange& ex);
    awaitable<void> function_status(http::Exchange& ex, std::string name);
    awaitable<void> webhook_secret(http::Exchange& ex, std::string name);
    awaitable<void> scale(http::Exchange& ex, std::string name);
    awaitable<void> namespaces(http::Exchange& ex);
    awaitable<void> info(http::Exchange& ex);
    awaitable<void> list_functions(http::Exchange& ex);
    awaitable<void> remove_function(http::Exchange& ex);
    awaitable<void> deploy_function(http::Exchange& ex);
    awaitable<void> secrets(http::Exchange& ex);
    awaitable<void> get_namespace(http::Exchange& ex, std::string name);
    awaitable<void> delete_namespace(http::Exchange& ex, std::string name);
    awaitable<void> change_namespace(http::Exchange& ex, std::string name);
    awaitable<void> endpoints(http::Exchange& ex);
    awaitable<void> logs(Thread& t, http::Exchange& ex);
    awaitable<void> proxy(Thread& t, http::Exchange& ex, std::string_view rest);
    // Reads the body (413 when too large); nullopt when an error answer was sent.
    awaitable<std::optional<std::string>> body(http::Exchange& ex);

    // Runs `f` (a callable returning awaitable<http::Response>) on the control thread. Taken
    // by reference: g++ 12 destroys a by-value coroutine argument built inside a co_await
    // expression twice; the temporary lives until the co_await completes.
    template <class F>
    awaitable<http::Response> on_control(F&& f);
    // on_control(f), then sends its Response.
    template <class F>
    awaitable<void> answer_on_control(http::Exchange& ex, F&& f);

    FunctionBackend& backend_;
    asio::io_context& control_;
    const Config& config_;
    log::Logger log_;
    metrics::Registry& registry_;
    std::unique_ptr<Metrics> metrics_;
    std::optional<http::Credentials> credentials_;
    const http::Router<Route> routes_;
    std::vector<std::unique_ptr<Thread>> threads_;
};

// Per pool thread: the keep-alive pool the function proxy uses.
struct Api::Thread {
    explicit Thread(asio::io_context& ioc) : client(ioc.get_executor()) {}
    http::ClientPool client;
};

template <class F>
awaitable<http::Response> Api::on_control(F&& f) {
    co_return co_await asio::co_spawn(control_, std::forward<F>(f), use_awaitable);
}

template <class F>
awaitable<void> Api::answer_on_control(http::Exchange& ex, F&& f) {
    http::Response r = co_await on_control(std::forward<F>(f));
    co_await http::send(ex, std::move(r));
}

}  // namespace faas::provider
