#pragma once
// Private to `faas up` (cli/up*.cpp): the platform it runs, on one io_context on the calling
// thread. Platform starts the daemons in order and waits for each (up_platform.cpp), deploys
// the stack and prints the summary (up_serve.cpp), then waits for a signal or a dead daemon and
// stops them all.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cli/daemon.hpp"
#include "cli/up.hpp"
#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/http/client.hpp"
#include "core/openfaas/types.hpp"

namespace faas::cli {

class Platform {
public:
    Platform(asio::io_context& io, UpOptions options, UpBinaries bins, Io& out)
        : io_(io),
          options_(std::move(options)),
          bins_(std::move(bins)),
          io_out_(out),
          wake_(io.get_executor()),
          signals_(io, SIGINT, SIGTERM),
          pool_(io.get_executor()),
          daemons_(io, out, options_.state_dir / "logs", options_.quiet, wake_) {}

    awaitable<int> run(std::uint16_t metrics_port, std::uint16_t nats_port);

private:
    // up_platform.cpp
    awaitable<int> start_all();
    awaitable<int> start_nats();
    awaitable<int> start_provider();
    awaitable<int> start_gateway();
    awaitable<int> start_queue_worker();
    // Polls `check` until it is true, `timeout` passes, a daemon dies or a stop is requested.
    awaitable<Status> wait_for(const std::string& what, std::chrono::nanoseconds timeout,
                               const std::function<awaitable<bool>()>& check);
    awaitable<bool> healthy(std::uint16_t port);
    // Waits for the daemon's "listening port=N" line, then for /healthz there; the port.
    awaitable<Result<std::uint16_t>> wait_serving(Daemon* d, const std::string& what);
    awaitable<bool> accepts(std::uint16_t port);
    void arm_signals();
    void say(const std::string& line) { daemons_.say(line); }
    int fail_with(const std::string& message, int code = kExitFailed);
    // up_serve.cpp
    // Deploys the stack (when there is one) beside the wait for a signal or a dead daemon.
    awaitable<int> serve();
    void print_summary(const std::vector<openfaas::FunctionDeployment>& deployed);

    asio::io_context& io_;
    UpOptions options_;
    UpBinaries bins_;
    Io& io_out_;
    async::AsyncEvent wake_;
    asio::signal_set signals_;
    http::ClientPool pool_;
    Supervisor daemons_;
    bool stop_requested_ = false;
    std::uint16_t provider_port_ = 0;
    std::uint16_t metrics_port_ = 0;
    std::uint16_t nats_port_ = 0;
    std::uint16_t worker_metrics_port_ = 0;
};


}  // namespace faas::cli
