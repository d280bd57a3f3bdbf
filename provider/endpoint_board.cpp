#include "provider/endpoint_board.hpp"

#include "core/json/json.hpp"

namespace faas::provider {

EndpointBoard::EndpointBoard(const asio::any_io_executor& ex)
    : ex_(ex), changed_(std::make_shared<async::AsyncEvent>(ex)) {}

bool EndpointBoard::set(std::vector<FunctionView> views) {
    if (views == published_) {
        return false;
    }
    published_ = std::move(views);
    ++generation_;
    auto old = std::move(changed_);
    changed_ = std::make_shared<async::AsyncEvent>(ex_);
    old->notify();
    return true;
}

void EndpointBoard::wake_all() {
    closed_ = true;
    changed_->notify();
}

std::string EndpointBoard::json() const {
    json::Writer w;
    w.begin_object();
    w.key("generation").value(generation_);
    w.key("functions").begin_array();
    for (const auto& v : published_) {
        w.begin_object();
        w.key("name").value(v.name);
        w.key("namespace").value(v.namespace_);
        w.key("replicas").value(v.replicas);
        w.key("minReplicas").value(v.min_replicas);
        w.key("endpoints").begin_array();
        for (const auto& e : v.endpoints) {
            w.begin_object();
            w.key("id").value(e.id);
            w.key("address").value(e.address);
            w.key("port").value(static_cast<std::uint64_t>(e.port));
            w.end_object();
        }
        w.end_array();
        w.key("annotations").begin_object();
        for (const auto& [key, value] : v.annotations) {
            w.key(key).value(value);
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

awaitable<void> EndpointBoard::wait_change(std::uint64_t since, std::chrono::nanoseconds wait) {
    if (since != generation_ || closed_) {
        co_return;
    }
    auto ev = changed_;
    co_await ev->wait_for(wait);
}

}  // namespace faas::provider
