#include "tests/support/test_server.hpp"

#include <future>

#include "core/log/log.hpp"

namespace faas::test {

http::HandlerFactory same_handler(http::Handler handler) {
    return [handler = std::move(handler)](asio::io_context&) { return handler; };
}

TestServer::TestServer(http::HandlerFactory factory,
                       http::ServerOptions options,
                       std::size_t threads)
    : pool_(threads) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ =
        std::make_unique<http::Server>(pool_, std::move(options), std::move(factory),
                                       log::make("test-server", log::Format::Structured, "warn"));
    server_->start();
    thread_ = std::thread([this] { pool_.run(); });
}

TestServer::~TestServer() {
    if (!shut_down_) {
        (void)shutdown(std::chrono::seconds(1));
    }
    pool_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    server_.reset();
}

std::shared_future<void> TestServer::start_shutdown(std::chrono::nanoseconds drain) {
    shut_down_ = true;
    auto done = std::make_shared<std::promise<void>>();
    std::shared_future<void> finished = done->get_future().share();
    server_->shutdown(drain, [done] { done->set_value(); });
    return finished;
}

bool TestServer::shutdown(std::chrono::nanoseconds drain, std::chrono::nanoseconds bound) {
    return start_shutdown(drain).wait_for(bound) == std::future_status::ready;
}

}  // namespace faas::test
