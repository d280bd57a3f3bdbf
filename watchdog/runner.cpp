#include "watchdog/runner.hpp"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/async/async_event.hpp"

namespace faas::watchdog {

void arm_timeout(asio::steady_timer& timer,
                 const std::shared_ptr<TimeoutState>& state,
                 std::chrono::nanoseconds timeout) {
    if (timeout.count() > 0) {
        timer.expires_after(timeout);
        timer.async_wait([state](boost::system::error_code ec) {
            if (ec || state->done) {
                return;
            }
            state->fired = true;
            state->child->signal_group(SIGKILL);
        });
    }
}

namespace {

using boost::system::error_code;
constexpr std::size_t kReadChunk = std::size_t{64} * 1024U;


awaitable<void> write_all(asio::posix::stream_descriptor& pipe, const std::string& data) {
    error_code ec;
    co_await asio::async_write(pipe, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
    // EPIPE: the function exited or closed stdin without reading everything. Not an error of
    // ours: its exit status tells the caller what happened.
}

awaitable<void> read_capped(asio::posix::stream_descriptor& pipe, std::string& out,
                            std::size_t cap) {
    std::vector<char> buf(kReadChunk);
    for (;;) {
        error_code ec;
        const std::size_t n = co_await pipe.async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        if (ec) {
            break;
        }
        const std::size_t keep = std::min(n, cap > out.size() ? cap - out.size() : 0);
        out.append(buf.data(), keep);
    }
}

// stdout into result.output; over `max_output` (0: no limit) the process is killed.
awaitable<void> read_output(process::Child& child, RunResult& result, std::uint64_t max_output) {
    std::vector<char> buf(kReadChunk);
    auto& pipe = *child.stdout_pipe();
    for (;;) {
        error_code ec;
        const std::size_t n = co_await pipe.async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        if (ec) {
            break;
        }
        if (max_output != 0 && result.output.size() + n > max_output) {
            result.output_too_large = true;
            child.signal_group(SIGKILL);
            break;
        }
        result.output.append(buf.data(), n);
    }
}

}  // namespace

awaitable<RunResult> drive(process::Child& child, std::string input, RunLimits limits) {
    auto ex = co_await asio::this_coro::executor;
    RunResult result;

    auto state = std::make_shared<TimeoutState>();
    state->child = &child;
    asio::steady_timer timer(ex);
    arm_timeout(timer, state, limits.exec_timeout);

    // stdin and stderr run beside the stdout reader: a function that writes before it has read
    // all its input would otherwise deadlock against us on full pipes.
    async::AsyncEvent writer_done(ex);
    if (child.stdin_pipe()) {
        asio::co_spawn(
            ex,
            [&]() -> awaitable<void> {
                if (!input.empty()) {
                    co_await write_all(*child.stdin_pipe(), input);
                }
                child.close_stdin();
                writer_done.notify();
            },
            asio::detached);
    } else {
        writer_done.notify();
    }
    async::AsyncEvent stderr_done(ex);
    if (child.stderr_pipe()) {
        asio::co_spawn(
            ex,
            [&]() -> awaitable<void> {
                co_await read_capped(*child.stderr_pipe(), result.stderr_text, limits.max_stderr);
                stderr_done.notify();
            },
            asio::detached);
    } else {
        stderr_done.notify();
    }

    if (child.stdout_pipe()) {
        co_await read_output(child, result, limits.max_output);
    }
    result.status = co_await child.wait();
    co_await writer_done.wait();
    co_await stderr_done.wait();
    state->done = true;
    timer.cancel();
    result.timed_out = state->fired;
    co_return result;
}

// The pool's spawning thread: starts `wanted` processes one after the other and posts each to
// the pool's io thread. Deliveries check `alive` there, so none reaches a destroyed pool; one
// that never runs (the io_context went away first) reaps its process in ~Started.
class PrespawnPool::Spawner {
public:
    Spawner(PrespawnPool* pool, asio::any_io_executor ex,
            std::shared_ptr<const process::SpawnOptions> options)
        : alive_(std::make_shared<std::atomic<bool>>(true)),
          thread_([this, pool, ex = std::move(ex), options = std::move(options)] {
              run(pool, ex, *options);
          }) {}
    ~Spawner() {
        alive_->store(false);
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    Spawner(const Spawner&) = delete;
    Spawner& operator=(const Spawner&) = delete;

    void ask(std::size_t n) {
        {
            const std::lock_guard lock(mutex_);
            wanted_ += n;
        }
        cv_.notify_one();
    }

private:
    void run(PrespawnPool* pool, const asio::any_io_executor& ex,
             const process::SpawnOptions& options) {
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return stop_ || wanted_ > 0; });
                if (stop_) {
                    return;
                }
                --wanted_;
            }
            auto started =
                std::make_shared<Result<process::Started>>(process::Child::start(options));
            asio::post(ex, [pool, alive = alive_, started] {
                if (alive->load()) {
                    pool->deliver(std::move(*started));
                }
            });
        }
    }

    std::shared_ptr<std::atomic<bool>> alive_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t wanted_ = 0;
    bool stop_ = false;
    std::thread thread_;  // last: starts once the members above exist
};

PrespawnPool::PrespawnPool(asio::any_io_executor ex, process::SpawnOptions options,
                           std::size_t target)
    : ex_(std::move(ex)),
      options_(std::make_shared<const process::SpawnOptions>(std::move(options))),
      target_(target),
      spawner_(std::make_unique<Spawner>(this, ex_, options_)) {}

PrespawnPool::~PrespawnPool() {
    spawner_.reset();  // joins the thread before ready_ goes
}

Result<process::Child> PrespawnPool::take() {
    if (!ready_.empty()) {
        process::Child c = std::move(ready_.front());
        ready_.pop_front();
        return c;
    }
    return process::Child::spawn(ex_, *options_);
}

void PrespawnPool::refill() {
    const std::size_t have = ready_.size() + pending_;
    if (have < target_) {
        pending_ += target_ - have;
        spawner_->ask(target_ - have);
    }
}

void PrespawnPool::deliver(Result<process::Started> started) {
    if (pending_ > 0) {
        --pending_;
    }
    if (!started) {
        return;  // take() reports the error when it has to start a process itself
    }
    ready_.push_back(process::Child::adopt(ex_, std::move(started.value())));
}

}  // namespace faas::watchdog
