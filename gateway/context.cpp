#include "gateway/context.hpp"

#include <algorithm>

namespace faas::gateway {

std::string start_time_ns() {
    return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

namespace {
// A scale request that did not show up in the endpoint list within this long is sent again.
constexpr auto kScaleClaimLifetime = std::chrono::seconds(2);
}  // namespace

bool Shared::claim_scale(const std::string& function, std::uint64_t generation) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(scale_mu_);
    auto it = scale_claims_.find(function);
    if (it != scale_claims_.end() && it->second.generation >= generation &&
        now - it->second.at < kScaleClaimLifetime) {
        return false;
    }
    scale_claims_.insert_or_assign(function, Claim{now, generation});
    return true;
}

void Shared::release_scale(const std::string& function) {
    std::lock_guard lock(scale_mu_);
    scale_claims_.erase(function);
}

ThreadState::ThreadState(asio::io_context& context, Shared& s)
    : ioc(context),
      shared(s),
      client(context.get_executor(),
             http::ClientOptions{.connect_timeout = std::chrono::seconds(5),
                                 .max_idle_per_host = s.config.max_idle_conns_per_host,
                                 .idle_timeout = std::chrono::seconds(90)}),
      snapshot(std::make_shared<const Snapshot>()),
      metrics(s.metrics) {}

void ThreadState::set_snapshot(SnapshotPtr snap) {
    snapshot = std::move(snap);
    balancer.on_snapshot(*snapshot);
    for (auto* w : waiters_) {
        w->notify();
    }
}

awaitable<bool> ThreadState::wait_change(std::uint64_t seen,
                                         std::chrono::steady_clock::time_point deadline) {
    while (snapshot->generation == seen) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            co_return false;
        }
        async::AsyncEvent event(ioc.get_executor());
        waiters_.push_back(&event);
        (void)co_await event.wait_for(deadline - now);
        std::erase(waiters_, &event);
    }
    co_return true;
}

awaitable<Result<http::Response>> ThreadState::provider_call(std::string method,
                                                             std::string target,
                                                             std::string body,
                                                             std::chrono::nanoseconds timeout) {
    http::Request req;
    req.method = std::move(method);
    req.target = shared.provider_prefix + target;
    req.body = std::move(body);
    if (!req.body.empty()) {
        req.headers.set("Content-Type", "application/json");
    }
    if (!shared.provider_auth.empty()) {
        req.headers.set("Authorization", shared.provider_auth);
    }
    http::CallOptions options;
    options.timeout = timeout;
    co_return co_await client.request(shared.provider, std::move(req), options);
}

awaitable<ThreadState::Lookup> ThreadState::lookup_function(std::string name,
                                                            std::string namespace_) {
    Lookup out;
    std::string target = "/system/function/" + name + "?namespace=" + namespace_ + "&usage=false";
    auto r = co_await provider_call("GET", std::move(target), "", std::chrono::seconds(3));
    if (!r) {
        out.reason = r.error().what();
        co_return out;
    }
    if (r->status == 404) {
        out.reason = "not found";
        co_return out;
    }
    if (r->status != 200) {
        out.reason = "provider answered " + std::to_string(r->status);
        co_return out;
    }
    auto status = openfaas::parse_status(r->body);
    if (!status) {
        out.reason = "the provider's answer is not valid: " + status.error().what();
        co_return out;
    }
    out.status = std::move(status).value();
    co_return out;
}

}  // namespace faas::gateway
