#pragma once
// IoPool: N io_contexts, one thread each (one io_context per thread: no strands, connections
// stay on the thread that accepted them). run() blocks the caller as thread 0.
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "core/asio.hpp"

namespace faas::http {

class IoPool {
public:
    explicit IoPool(std::size_t threads);
    ~IoPool();
    IoPool(const IoPool&) = delete;
    IoPool& operator=(const IoPool&) = delete;

    std::size_t size() const noexcept { return contexts_.size(); }
    asio::io_context& context(std::size_t i) { return *contexts_.at(i); }

    // Runs every io_context until stop(); the caller runs context 0.
    void run();
    // Lets every io_context return once it has no more work to do... immediately.
    void stop();

private:
    using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    std::vector<Guard> guards_;
    std::vector<std::thread> threads_;
};

}  // namespace faas::http
