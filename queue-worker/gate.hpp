#pragma once
// FunctionGate: what a call of one function waits for before it is sent: a slot under the
// function's concurrency limit (AIMD: a 429 halves it, successes raise it back), handed out in
// arrival order, then a token of its rate limit. The message stays held (and heartbeated) while
// it waits. One per function, on the worker's io thread.
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "queue-worker/limits.hpp"
#include "queue-worker/settings.hpp"

namespace faas::queue_worker {

class FunctionGate {
public:
    // `max_inflight` is the ceiling when the function sets no concurrency.
    FunctionGate(asio::any_io_executor ex, int max_inflight);
    FunctionGate(const FunctionGate&) = delete;
    FunctionGate& operator=(const FunctionGate&) = delete;

    // Takes the function's latest concurrency and rate (annotations travel with each call, so a
    // redeploy changes them). Returns true when the concurrency ceiling changed.
    bool configure(const FunctionSettings& settings);

    // The settings parsed from the annotations of an earlier call, kept so that a call bringing
    // the same annotations (nearly every call) is not parsed, warned about and configured again.
    bool same_annotations(const std::map<std::string, std::string>& annotations) const {
        return settings_ != nullptr && annotations_ == annotations;
    }
    // Keeps `settings` as parsed from `annotations` and configure()s them; returns what
    // configure() returned.
    bool update(std::map<std::string, std::string> annotations, FunctionSettings settings);
    // Null until the first update().
    const std::shared_ptr<const FunctionSettings>& settings() const noexcept { return settings_; }

    // Returns once the caller holds a slot and its token is due; release() the slot afterwards.
    awaitable<void> acquire();
    void release();

    // AIMD: a 429 halves the limit, a success raises it by one. True when the limit changed.
    bool on_overload();
    bool on_success();

    int limit() const noexcept { return aimd_.limit(); }
    int running() const noexcept { return running_; }

private:
    struct Waiter {
        explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
        asio::steady_timer timer;
        bool granted = false;
    };
    // Hands free slots to waiters in order.
    void wake();

    asio::any_io_executor ex_;
    int max_inflight_;
    int concurrency_ = 0;  // configured; 0: max_inflight
    Aimd aimd_;
    double rate_ = 0;
    double burst_ = 0;
    std::optional<TokenBucket> bucket_;
    int running_ = 0;
    std::deque<Waiter*> waiters_;
    std::map<std::string, std::string> annotations_;
    std::shared_ptr<const FunctionSettings> settings_;
};

}  // namespace faas::queue_worker
