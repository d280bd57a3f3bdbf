#include "tests/support/kube/server.hpp"

#include <future>
#include <thread>

#include "core/assert.hpp"
#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

State::State(asio::io_context& io_context, ServerOptions opts, log::Logger logger)
    : io(io_context),
      options(std::move(opts)),
      log(std::move(logger)),
      store(StoreOptions{options.history_limit, [] { return std::chrono::system_clock::now(); }}) {
    tokens[options.admin_token] = User{"admin", {"system:masters", "system:authenticated"},
                                       false, true};
}

struct Server::Impl {
    explicit Impl(ServerOptions opts)
        : options(std::move(opts)), log(log::make("kube-standin", log::Format::Structured,
                                                  options.log_level)) {}

    // On the server thread: a new listener on options.port (the first time: maybe 0).
    void listen() {
        http::ServerOptions http_options;
        http_options.address = options.address;
        http_options.port = options.port;
        http_options.read_timeout = std::chrono::hours(2);  // watches idle for long
        State* st = state.get();
        auto factory = [st](asio::io_context&) -> http::Handler {
            return [st](http::Exchange& ex) { return handle_exchange(*st, ex); };
        };
        http = std::make_unique<http::Server>(pool, http_options, factory, log);
        options.port = http->port();
        state->port = options.port;
        http->start();
    }

    void drop_watches() {
        for (const auto& slot : state->watches) {
            slot->dropped = true;
            slot->wake.notify();
        }
    }

    // On the server thread: stop listening and end every connection.
    awaitable<void> unlisten() {
        drop_watches();
        if (!http) {
            co_return;
        }
        std::vector<http::ServerDrain> drains{{http.get(), std::chrono::milliseconds(200)}};
        const auto executor = co_await asio::this_coro::executor;
        co_await http::shutdown_all(executor, std::move(drains));
        http.reset();
    }

    void run_on_thread(std::function<void()> fn) {
        FAAS_ASSERT(std::this_thread::get_id() != thread.get_id());
        std::promise<void> done;
        auto finished = done.get_future();
        asio::post(pool.context(0), [&fn, &done] {
            try {
                fn();
                done.set_value();
            } catch (...) {
                done.set_exception(std::current_exception());
            }
        });
        finished.get();
    }

    // Runs a coroutine on the server thread and waits for it (rethrowing what it threw).
    template <class MakeAwaitable>
    void run_coroutine(MakeAwaitable make) {
        FAAS_ASSERT(std::this_thread::get_id() != thread.get_id());
        std::promise<void> done;
        auto finished = done.get_future();
        asio::co_spawn(pool.context(0), std::move(make), [&done](std::exception_ptr e) {
            if (e) {
                done.set_exception(e);
            } else {
                done.set_value();
            }
        });
        finished.get();
    }

    ServerOptions options;
    log::Logger log;
    http::IoPool pool{1};
    std::unique_ptr<State> state;
    std::unique_ptr<http::Server> http;
    std::vector<std::shared_ptr<Controller>> controllers;
    std::unique_ptr<ControllerContext> context;
    LogProvider log_provider;
    std::thread thread;
    bool running = false;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
    stop();
}

void Server::add_controller(std::shared_ptr<Controller> controller) {
    FAAS_ASSERT(!impl_->running);
    impl_->controllers.push_back(std::move(controller));
}

void Server::set_log_provider(LogProvider provider) {
    FAAS_ASSERT(!impl_->running);
    impl_->log_provider = std::move(provider);
}

void Server::start() {
    FAAS_ASSERT(!impl_->running);
    Impl& impl = *impl_;
    impl.state = std::make_unique<State>(impl.pool.context(0), impl.options, impl.log);
    impl.state->log_provider = impl.log_provider;
    impl.context = std::make_unique<ControllerContext>(
        ControllerContext{impl.pool.context(0), impl.state->store, impl.log});
    (void)impl.state->store.subscribe([&impl](const Event& e) {
        for (const auto& c : impl.controllers) {
            c->on_event(e);
        }
    });
    // Controllers start first, on the server thread, then the listener takes requests.
    asio::post(impl.pool.context(0), [&impl] {
        for (const auto& c : impl.controllers) {
            c->start(*impl.context);
        }
    });
    impl.listen();
    impl.running = true;
    impl.thread = std::thread([&impl] { impl.pool.run(); });
}

void Server::stop() {
    Impl& impl = *impl_;
    if (!impl.running) {
        return;
    }
    impl.running = false;
    impl.run_coroutine([&impl]() -> awaitable<void> {
        co_await impl.unlisten();
        for (const auto& c : impl.controllers) {
            co_await c->stop();
        }
    });
    impl.pool.stop();
    impl.thread.join();
    impl.context.reset();
    impl.state.reset();
}

std::uint16_t Server::port() const noexcept {
    return impl_->options.port;
}

std::string Server::url() const {
    return "http://" + impl_->options.address + ":" + std::to_string(port());
}

const std::string& Server::admin_token() const noexcept {
    return impl_->options.admin_token;
}

std::string Server::issue_token(std::string_view ns, std::string_view service_account) {
    std::string token;
    impl_->run_on_thread([&] {
        State& st = *impl_->state;
        token = "sa." + std::string(ns) + "." + std::string(service_account) + "." +
                std::to_string(++st.token_counter);
        st.tokens[token] = User{"system:serviceaccount:" + std::string(ns) + ":" +
                                    std::string(service_account),
                                {"system:serviceaccounts",
                                 "system:serviceaccounts:" + std::string(ns),
                                 "system:authenticated"},
                                false,
                                false};
    });
    return token;
}

void Server::run_sync(const std::function<void(Store&)>& fn) {
    impl_->run_on_thread([&] { fn(impl_->state->store); });
}

void Server::drop_watches() {
    impl_->run_on_thread([this] { impl_->drop_watches(); });
}

void Server::compact() {
    impl_->run_on_thread([this] { impl_->state->store.compact(); });
}

void Server::set_available(bool available) {
    Impl& impl = *impl_;
    if (available) {
        impl.run_on_thread([&impl] {
            if (!impl.http) {
                impl.listen();
            }
        });
        return;
    }
    impl.run_coroutine([&impl]() -> awaitable<void> { co_await impl.unlisten(); });
}

}  // namespace faas::test::kube
