#pragma once
// Discovery: keeps one long poll open to the provider's GET /system/endpoints (docs/contracts.md)
// and hands every new generation to `publish`. Lives on one io_context thread (the discovery
// thread, I/O thread 0); refresh() asks for the list at once (after a replica refused a
// connection) and must be called on that thread. On failure it backs off (100 ms doubling to
// 2 s) and tries again.
#include <chrono>
#include <functional>

#include "core/asio.hpp"
#include "core/http/client.hpp"
#include "gateway/context.hpp"
#include "gateway/provider_link.hpp"
#include "gateway/snapshot.hpp"

namespace faas::gateway {

class Discovery {
public:
    using Publish = std::function<void(SnapshotPtr)>;
    Discovery(asio::io_context& ioc, Shared& shared, Publish publish);

    void start();
    void refresh();

private:
    awaitable<void> poll_loop();
    awaitable<void> refresh_loop();
    awaitable<Result<Snapshot>> fetch(bool hold);
    void accept(Snapshot snap);
    void failed(const Error& e);

    asio::io_context& ioc_;
    Shared& shared_;
    Publish publish_;
    http::ClientPool client_;  // its own: the long poll holds a connection
    ProviderClient provider_;
    std::uint64_t generation_ = 0;
    bool have_ = false;
    bool provider_down_ = false;
    bool refreshing_ = false;
    bool refresh_again_ = false;
};

}  // namespace faas::gateway
