#pragma once
// EndpointBoard: the endpoint list the gateway long-polls (GET /system/endpoints?since=&wait=).
// A back end sets the whole list of function views; a list that differs from the last one bumps
// the generation and wakes every waiter. One io_context thread (the back end's control thread).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/openfaas/types.hpp"

namespace faas::provider {

struct EndpointInfo {
    std::string id;
    std::string address;
    std::uint16_t port = 0;
    bool operator==(const EndpointInfo&) const = default;
};

struct FunctionView {
    std::string name;
    std::string namespace_;
    std::uint64_t replicas = 0;
    std::uint64_t min_replicas = 1;
    std::vector<EndpointInfo> endpoints;
    openfaas::StringMap annotations;  // the deployment's, so the gateway routes by them
    bool operator==(const FunctionView&) const = default;
};

class EndpointBoard {
public:
    explicit EndpointBoard(const asio::any_io_executor& ex);

    // Returns true when the list changed (and the generation moved on).
    bool set(std::vector<FunctionView> views);
    const std::vector<FunctionView>& views() const noexcept { return published_; }
    std::uint64_t generation() const noexcept { return generation_; }
    // {"generation":N,"functions":[{name,namespace,replicas,minReplicas,endpoints,annotations}]}
    std::string json() const;
    // Returns once the generation differs from `since`, `wait` passed, or wake_all() was called.
    awaitable<void> wait_change(std::uint64_t since, std::chrono::nanoseconds wait);
    // Wakes every waiter (shutdown).
    void wake_all();

private:
    asio::any_io_executor ex_;
    std::uint64_t generation_ = 1;
    std::vector<FunctionView> published_;
    std::shared_ptr<async::AsyncEvent> changed_;
    bool closed_ = false;
};

}  // namespace faas::provider
