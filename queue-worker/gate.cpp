#include "queue-worker/gate.hpp"

namespace faas::queue_worker {

using boost::system::error_code;

FunctionGate::FunctionGate(asio::any_io_executor ex, int max_inflight)
    : ex_(std::move(ex)), max_inflight_(max_inflight), aimd_(max_inflight) {}

bool FunctionGate::configure(const FunctionSettings& settings) {
    bool changed = false;
    if (settings.concurrency != concurrency_) {
        concurrency_ = settings.concurrency;
        aimd_.set_ceiling(concurrency_ > 0 ? concurrency_ : max_inflight_);
        changed = true;
        wake();
    }
    if (settings.rate != rate_ || settings.burst != burst_) {
        rate_ = settings.rate;
        burst_ = settings.burst;
        if (rate_ > 0) {
            bucket_.emplace(rate_, burst_, TokenBucket::Clock::now());
        } else {
            bucket_.reset();
        }
    }
    return changed;
}

bool FunctionGate::update(std::map<std::string, std::string> annotations,
                          FunctionSettings settings) {
    annotations_ = std::move(annotations);
    settings_ = std::make_shared<const FunctionSettings>(std::move(settings));
    return configure(*settings_);
}

awaitable<void> FunctionGate::acquire() {
    if (running_ < aimd_.limit() && waiters_.empty()) {
        ++running_;
    } else {
        Waiter waiter(ex_);
        waiter.timer.expires_at(asio::steady_timer::time_point::max());
        waiters_.push_back(&waiter);
        while (!waiter.granted) {
            error_code ec;
            co_await waiter.timer.async_wait(asio::redirect_error(use_awaitable, ec));
        }
    }
    if (bucket_) {
        const auto wait = bucket_->reserve(TokenBucket::Clock::now());
        if (wait > TokenBucket::Clock::duration::zero()) {
            asio::steady_timer timer(ex_);
            timer.expires_after(wait);
            error_code ec;
            co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        }
    }
}

void FunctionGate::release() {
    --running_;
    wake();
}

bool FunctionGate::on_overload() {
    return aimd_.on_overload();
}

bool FunctionGate::on_success() {
    const bool changed = aimd_.on_success();
    if (changed) {
        wake();
    }
    return changed;
}

void FunctionGate::wake() {
    while (running_ < aimd_.limit() && !waiters_.empty()) {
        Waiter* next = waiters_.front();
        waiters_.pop_front();
        ++running_;
        next->granted = true;
        next->timer.cancel();
    }
}

}  // namespace faas::queue_worker
