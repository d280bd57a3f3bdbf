#include "watchdog/upstream.hpp"

#include <algorithm>
#include <csignal>

namespace faas::watchdog {

using boost::system::error_code;
using std::chrono::milliseconds;

Upstream::Upstream(asio::io_context& ioc, Shared& shared)
    : ioc_(ioc), shared_(shared), backoff_timer_(ioc), finished_(ioc.get_executor()) {}

void Upstream::start(std::function<void()> on_first_ready) {
    on_first_ready_ = std::move(on_first_ready);
    asio::co_spawn(ioc_, supervise(), [this](const std::exception_ptr& e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                shared_.log->critical("upstream supervisor failed error=\"{}\"", ex.what());
            }
        }
        finished_.notify();
    });
}

awaitable<bool> Upstream::wait_accepting(process::Child& child) {
    const auto& ep = shared_.upstream;
    const auto started = std::chrono::steady_clock::now();
    auto next_note = started + std::chrono::seconds(5);
    asio::steady_timer timer(ioc_);
    while (!stopping_) {
        error_code ec;
        asio::ip::tcp::socket probe(ioc_);
        const auto addr = asio::ip::make_address(ep.host, ec);
        if (!ec) {
            co_await probe.async_connect(asio::ip::tcp::endpoint(addr, ep.port),
                                         asio::redirect_error(use_awaitable, ec));
        } else {
            asio::ip::tcp::resolver resolver(ioc_);
            auto results = co_await resolver.async_resolve(ep.host, std::to_string(ep.port),
                                                           asio::redirect_error(use_awaitable, ec));
            if (!ec) {
                co_await asio::async_connect(probe, results,
                                             asio::redirect_error(use_awaitable, ec));
            }
        }
        if (!ec) {
            co_return true;
        }
        if (child.exited()) {
            co_return false;  // exited before it ever accepted
        }
        if (std::chrono::steady_clock::now() >= next_note) {
            shared_.log->info("waiting for upstream to accept connections url={}",
                              shared_.config.upstream_url);
            next_note += std::chrono::seconds(5);
        }
        // Poll tightly at first: most servers accept within tens of milliseconds and scale
        // from zero waits on this.
        const bool early = std::chrono::steady_clock::now() - started < milliseconds(200);
        timer.expires_after(early ? milliseconds(2) : milliseconds(10));
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    co_return false;
}

awaitable<void> Upstream::supervise() {
    const Config& c = shared_.config;
    auto backoff = milliseconds(100);
    auto& timer = backoff_timer_;
    while (!stopping_) {
        process::SpawnOptions o;
        o.argv = c.argv;
        o.env = shared_.base_env;
        o.in = process::Stdio::Null;
        auto spawned = process::Child::spawn(ioc_.get_executor(), o);
        error_code ec;
        if (!spawned) {
            shared_.log->error("could not start fprocess fprocess=\"{}\" error=\"{}\" retry_ms={}",
                               c.fprocess, spawned.error().what(), backoff.count());
        } else {
            const auto started = std::chrono::steady_clock::now();
            const process::ExitStatus status = co_await run(spawned.value(), started);
            if (stopping_) {
                shared_.log->info("upstream stopped status=\"{}\"", status.describe());
                break;
            }
            if (std::chrono::steady_clock::now() - started > std::chrono::seconds(10)) {
                backoff = milliseconds(100);
            }
            shared_.log->error("upstream exited status=\"{}\" restart_in_ms={}",
                               status.describe(), backoff.count());
        }
        timer.expires_after(backoff);
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        backoff = std::min(backoff * 2, milliseconds(5000));
    }
}

awaitable<process::ExitStatus> Upstream::run(process::Child& child,
                                             std::chrono::steady_clock::time_point started) {
    const Config& c = shared_.config;
    current_ = &child;
    shared_.log->info("started upstream pid={} fprocess=\"{}\"", child.pid(), c.fprocess);
    async::AsyncEvent out_done(ioc_.get_executor());
    async::AsyncEvent err_done(ioc_.get_executor());
    asio::co_spawn(
        ioc_,
        [&]() -> awaitable<void> {
            co_await log_lines(*child.stdout_pipe(), shared_, "stdout");
            out_done.notify();
        },
        asio::detached);
    asio::co_spawn(
        ioc_,
        [&]() -> awaitable<void> {
            co_await log_lines(*child.stderr_pipe(), shared_, "stderr");
            err_done.notify();
        },
        asio::detached);
    if (co_await wait_accepting(child)) {
        shared_.upstream_up = true;
        shared_.log->info("upstream ready url={} after_ms={}", c.upstream_url,
                          std::chrono::duration_cast<milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count());
        if (!announced_ && on_first_ready_) {
            announced_ = true;
            on_first_ready_();
        }
    }
    const process::ExitStatus status = co_await child.wait(true);
    shared_.upstream_up = false;
    co_await out_done.wait();
    co_await err_done.wait();
    current_ = nullptr;
    co_return status;
}

awaitable<void> Upstream::stop(std::chrono::nanoseconds grace) {
    stopping_ = true;
    backoff_timer_.cancel();
    if (current_ != nullptr) {
        current_->signal_group(SIGTERM);
        asio::steady_timer timer(ioc_);
        timer.expires_after(grace);
        bool killed = false;
        timer.async_wait([this, &killed](error_code ec) {
            if (!ec && current_ != nullptr) {
                killed = true;
                current_->signal_group(SIGKILL);
            }
        });
        co_await finished_.wait();
        timer.cancel();
        co_await asio::post(ioc_, use_awaitable);
        (void)killed;
    } else {
        co_await finished_.wait();
    }
}

}  // namespace faas::watchdog
