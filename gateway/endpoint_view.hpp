#pragma once
// EndpointView: one I/O thread's view of the endpoint list, the snapshot its calls route by and
// the calls waiting for a newer one. Never crosses threads: the Gateway posts every new snapshot
// to each thread, which installs it here.
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "gateway/snapshot.hpp"

namespace faas::gateway {

class EndpointView {
public:
    explicit EndpointView(asio::any_io_executor ex)
        : ex_(std::move(ex)), snapshot_(std::make_shared<const Snapshot>()) {}

    const SnapshotPtr& current() const noexcept { return snapshot_; }

    // Installs a new snapshot and wakes every call waiting for one.
    void install(SnapshotPtr snap);

    // Returns true once the snapshot generation differs from `seen` (at once if it already
    // does), false when `deadline` passed first. Event-driven, never polls.
    awaitable<bool> wait_change(std::uint64_t seen, std::chrono::steady_clock::time_point deadline);

private:
    asio::any_io_executor ex_;
    SnapshotPtr snapshot_;
    std::vector<async::AsyncEvent*> waiters_;
};

}  // namespace faas::gateway
