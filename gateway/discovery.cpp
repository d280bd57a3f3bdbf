#include "gateway/discovery.hpp"

#include <algorithm>

#include "core/text/text.hpp"

namespace faas::gateway {

namespace {
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(2);

std::string go_duration(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}
}  // namespace

Discovery::Discovery(asio::io_context& ioc, Shared& shared, Publish publish)
    : ioc_(ioc),
      shared_(shared),
      publish_(std::move(publish)),
      client_(ioc.get_executor()),
      provider_(shared.provider, client_) {}

void Discovery::start() {
    asio::co_spawn(ioc_, [this]() -> awaitable<void> { co_await poll_loop(); }, asio::detached);
}

void Discovery::refresh() {
    if (refreshing_) {
        refresh_again_ = true;
        return;
    }
    refreshing_ = true;
    asio::co_spawn(ioc_, [this]() -> awaitable<void> { co_await refresh_loop(); }, asio::detached);
}

awaitable<void> Discovery::refresh_loop() {
    do {
        refresh_again_ = false;
        auto snap = co_await fetch(false);
        if (shared_.stopping) {
            break;
        }
        if (snap) {
            accept(std::move(snap.value()));
        }
    } while (refresh_again_);
    refreshing_ = false;
}

awaitable<Result<Snapshot>> Discovery::fetch(bool hold) {
    std::string target = "/system/endpoints";
    if (hold && have_) {
        target += "?since=" + std::to_string(generation_) +
                  "&wait=" + go_duration(shared_.config.endpoints_wait);
    }
    auto res = co_await provider_.get(std::move(target),
                                      shared_.config.endpoints_wait + std::chrono::seconds(10));
    if (!res) {
        co_return res.error();
    }
    if (res->status != 200) {
        co_return make_error(errc::upstream_failed,
                             "GET /system/endpoints answered " + std::to_string(res->status) +
                                 ": " + std::string(text::trim(res->body)).substr(0, 200));
    }
    co_return parse_snapshot(res->body);
}

void Discovery::accept(Snapshot snap) {
    if (provider_down_) {
        provider_down_ = false;
        shared_.log->info("provider reachable again provider={}", shared_.provider.endpoint.key());
    }
    if (have_ && snap.generation == generation_) {
        return;
    }
    if (!have_) {
        shared_.log->info("endpoint list received generation={} functions={}", snap.generation,
                          snap.functions.size());
    } else {
        shared_.log->debug("endpoint list updated generation={} functions={}", snap.generation,
                           snap.functions.size());
    }
    have_ = true;
    generation_ = snap.generation;
    shared_.metrics.endpoints_updates.Increment();
    auto ptr = std::make_shared<const Snapshot>(std::move(snap));
    shared_.metrics.set_service_counts(*ptr);
    publish_(std::move(ptr));
}

void Discovery::failed(const Error& e) {
    shared_.metrics.endpoints_poll_failures.Increment();
    // Once per outage at warn; the counter tells how long it lasted.
    if (!provider_down_) {
        provider_down_ = true;
        shared_.log->warn("endpoint list failed provider={} error=\"{}\"",
                          shared_.provider.endpoint.key(), e.what());
    } else {
        shared_.log->debug("endpoint list failed provider={} error=\"{}\"",
                           shared_.provider.endpoint.key(), e.what());
    }
}

awaitable<void> Discovery::poll_loop() {
    std::chrono::nanoseconds backoff = kMinBackoff;
    while (!shared_.stopping) {
        auto snap = co_await fetch(true);
        if (shared_.stopping) {
            break;
        }
        if (snap) {
            backoff = kMinBackoff;
            accept(std::move(snap.value()));
            continue;
        }
        failed(snap.error());
        asio::steady_timer delay(ioc_);
        delay.expires_after(backoff);
        boost::system::error_code ec;
        co_await delay.async_wait(asio::redirect_error(use_awaitable, ec));
        backoff = std::min<std::chrono::nanoseconds>(backoff * 2, kMaxBackoff);
    }
}

}  // namespace faas::gateway
