#pragma once
// TestServer: core's http::Server on 127.0.0.1 port 0 with its own IoPool thread(s), for unit
// tests of the server and client. The destructor shuts the server down and joins its threads.
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <thread>

#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

// A factory that gives every pool thread a copy of `handler`.
http::HandlerFactory same_handler(http::Handler handler);

class TestServer {
public:
    explicit TestServer(http::HandlerFactory factory,
                        http::ServerOptions options = {},
                        std::size_t threads = 1);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::uint16_t port() const noexcept { return server_->port(); }
    http::Server& server() noexcept { return *server_; }
    http::IoPool& pool() noexcept { return pool_; }

    // Calls Server::shutdown(drain); the future is ready once its done callback ran.
    std::shared_future<void> start_shutdown(std::chrono::nanoseconds drain);
    // start_shutdown() and wait; false when the done callback did not run within `bound`.
    bool shutdown(std::chrono::nanoseconds drain, std::chrono::nanoseconds bound = kMaxWait);

private:
    http::IoPool pool_;
    std::unique_ptr<http::Server> server_;
    std::thread thread_;
    bool shut_down_ = false;
};

}  // namespace faas::test
