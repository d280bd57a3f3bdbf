#pragma once
// Server: an HTTP/1.1 server on an IoPool. One acceptor hands connections round-robin to the
// pool's threads; each thread has its own handler and serves its connections to the end. Owned
// by main(); shutdown() may be called from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"
#include "core/http/io_pool.hpp"
#include "core/log/log.hpp"

namespace faas::http {

struct ServerOptions {
    std::string address = "0.0.0.0";
    std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
    // Bounds reading a request head and body, and how long a keep-alive connection may idle.
    std::chrono::nanoseconds read_timeout = std::chrono::seconds(30);
    // Bounds each write of the response.
    std::chrono::nanoseconds write_timeout = std::chrono::seconds(30);
    std::uint32_t header_limit = 64 * 1024;
};

using Handler = std::function<awaitable<void>(Exchange&)>;
// Called once per pool thread, on that thread's io_context, to build its handler.
using HandlerFactory = std::function<Handler(asio::io_context&)>;

class Server {
public:
    // Binds at once (throws std::system_error when it cannot) so port() is known.
    Server(IoPool& pool, ServerOptions options, const HandlerFactory& factory, log::Logger logger);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // Starts accepting on every pool thread.
    void start();
    // Stops accepting, closes idle keep-alive connections, lets in-flight exchanges finish
    // (their responses carry "Connection: close"), and force-closes what is left after
    // `drain`. `done` runs on a pool thread once every connection has ended.
    void shutdown(std::chrono::nanoseconds drain, std::function<void()> done);
    // Connections currently open, across threads.
    std::size_t connections() const noexcept { return open_.load(); }

private:
    struct Worker;
    void worker_finished();

    IoPool& pool_;
    ServerOptions options_;
    log::Logger log_;
    std::uint16_t port_ = 0;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
    std::atomic<std::size_t> open_{0};
    std::atomic<std::size_t> workers_running_{0};
    std::function<void()> done_;
};

// One server to shut down and how long its in-flight exchanges may take.
struct ServerDrain {
    Server* server = nullptr;  // null entries are skipped
    std::chrono::nanoseconds drain{};
};
// Shuts every server down at once and returns (on `ex`) when all their connections have ended.
awaitable<void> shutdown_all(asio::any_io_executor ex, std::vector<ServerDrain> servers);

}  // namespace faas::http
