#include "gateway/endpoint_view.hpp"

#include <algorithm>

namespace faas::gateway {

void EndpointView::install(SnapshotPtr snap) {
    snapshot_ = std::move(snap);
    for (auto* w : waiters_) {
        w->notify();
    }
}

awaitable<bool> EndpointView::wait_change(std::uint64_t seen,
                                          std::chrono::steady_clock::time_point deadline) {
    while (snapshot_->generation == seen) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            co_return false;
        }
        async::AsyncEvent event(ex_);
        waiters_.push_back(&event);
        (void)co_await event.wait_for(deadline - now);
        std::erase(waiters_, &event);
    }
    co_return true;
}

}  // namespace faas::gateway
