#include "core/http/io_pool.hpp"

namespace faas::http {

IoPool::IoPool(std::size_t threads) {
    if (threads == 0) {
        threads = 1;
    }
    for (std::size_t i = 0; i < threads; ++i) {
        contexts_.push_back(std::make_unique<asio::io_context>(1));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

IoPool::~IoPool() {
    stop();
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
}

void IoPool::run() {
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
        threads_.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
    }
    contexts_[0]->run();
    for (auto& t : threads_) {
        t.join();
    }
    threads_.clear();
}

void IoPool::stop() {
    for (auto& c : contexts_) {
        c->stop();
    }
}

}  // namespace faas::http
