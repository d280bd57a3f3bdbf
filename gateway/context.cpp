#include "gateway/context.hpp"

namespace faas::gateway {

std::string start_time_ns() {
    return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

awaitable<Result<openfaas::FunctionStatus>> find_unlisted(ThreadState& ts,
                                                          const FunctionRoute& route) {
    std::string name = route.name;
    std::string ns = route.namespace_;
    auto found = co_await ts.provider.lookup_function(std::move(name), std::move(ns),
                                                      std::chrono::seconds(3));
    if (!found.status) {
        co_return make_error(errc::not_found,
                             "error finding function " + route.qualified() + ": " + found.reason);
    }
    co_return std::move(*found.status);
}

namespace {

std::optional<http::Credentials> credentials_of(const Config& c) {
    if (!c.basic_auth) {
        return std::nullopt;
    }
    return http::load_credentials(c.secret_mount_path);
}

}  // namespace

Shared::Shared(const Config& c, log::Logger l, Metrics& m)
    : config(c),
      log(std::move(l)),
      metrics(m),
      credentials(credentials_of(c)),
      provider(c, credentials) {}

ThreadState::ThreadState(asio::io_context& context, Shared& s)
    : ioc(context),
      shared(s),
      client(context.get_executor(),
             http::ClientOptions{.connect_timeout = std::chrono::seconds(5),
                                 .max_idle_per_host = s.config.max_idle_conns_per_host,
                                 .idle_timeout = std::chrono::seconds(90)}),
      provider(s.provider, client),
      endpoints(context.get_executor()),
      metrics(s.metrics),
      webhook(s.webhook_secrets, provider, metrics, s.log, context.get_executor()),
      publisher(s.config.streams, s.log, context.get_executor()) {}

void ThreadState::set_snapshot(SnapshotPtr snap) {
    balancer.on_snapshot(*snap);
    endpoints.install(std::move(snap));
}

}  // namespace faas::gateway
