// Child once started (spawn.cpp starts it): bound to an io_context, signalled, awaited and
// reaped.
#include "core/process/child.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

namespace faas::process {

std::string ExitStatus::describe() const {
    if (signal != 0) {
        const char* name = sigdescr_np(signal);
        std::string text = name != nullptr ? name : ("signal " + std::to_string(signal));
        for (auto& c : text) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return "signal: " + text;
    }
    return "exit status " + std::to_string(code);
}

Result<Child> Child::spawn(const asio::any_io_executor& ex, const SpawnOptions& options) {
    auto started = start(options);
    if (!started) {
        return started.error();
    }
    return adopt(ex, std::move(started.value()));
}

Child Child::adopt(const asio::any_io_executor& ex, Started&& started) {
    Child child;
    child.pid_ = std::exchange(started.pid_, -1);
    child.pidfd_.emplace(ex, std::exchange(started.pidfd_, -1));
    const auto wrap = [&ex](int& fd, std::optional<asio::posix::stream_descriptor>& slot) {
        if (fd >= 0) {
            slot.emplace(ex, std::exchange(fd, -1));
            slot->non_blocking(true);
        }
    };
    wrap(started.in_, child.in_);
    wrap(started.out_, child.out_);
    wrap(started.err_, child.err_);
    return child;
}

Child::Child(Child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      in_(std::move(o.in_)),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)),
      status_(o.status_) {
    o.pidfd_.reset();
    o.in_.reset();
    o.out_.reset();
    o.err_.reset();
}

Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        if (running()) {
            signal_group(SIGKILL);
            reap_blocking();
        }
        pid_ = std::exchange(o.pid_, -1);
        pidfd_ = std::move(o.pidfd_);
        in_ = std::move(o.in_);
        out_ = std::move(o.out_);
        err_ = std::move(o.err_);
        status_ = o.status_;
        o.pidfd_.reset();
        o.in_.reset();
        o.out_.reset();
        o.err_.reset();
    }
    return *this;
}

Child::~Child() {
    if (running()) {
        signal_group(SIGKILL);
        reap_blocking();
    }
}

void Child::close_stdin() {
    if (in_) {
        boost::system::error_code ignored;
        in_->close(ignored);
        in_.reset();
    }
}

bool Child::exited() const noexcept {
    if (status_) {
        return true;
    }
    if (pid_ <= 0) {
        return false;
    }
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid_;
}

void Child::signal_group(int sig) const noexcept {
    if (pid_ > 0 && !status_) {
        ::kill(-pid_, sig);
    }
}

void Child::signal(int sig) const noexcept {
    if (pid_ > 0 && !status_) {
        ::kill(pid_, sig);
    }
}

namespace {
ExitStatus decode(int raw) {
    ExitStatus s;
    if (WIFEXITED(raw)) {
        s.code = WEXITSTATUS(raw);
    } else if (WIFSIGNALED(raw)) {
        s.signal = WTERMSIG(raw);
    }
    return s;
}
}  // namespace

void Child::reap_blocking() noexcept {
    // Only after SIGKILL: the wait is for the kernel to tear the process down, not for work.
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
    status_ = decode(raw);
}

awaitable<ExitStatus> Child::wait(bool kill_group) {
    while (!status_) {
        int raw = 0;
        if (kill_group && exited()) {
            // The exited leader is not reaped yet, so its group id cannot have been reused.
            ::kill(-pid_, SIGKILL);
        }
        const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
        if (r == pid_) {
            status_ = decode(raw);
            break;
        }
        if (r < 0 && errno != EINTR) {
            status_ = ExitStatus{};  // already reaped elsewhere: nothing more to learn
            break;
        }
        boost::system::error_code ec;
        co_await pidfd_->async_wait(asio::posix::descriptor_base::wait_read,
                                    asio::redirect_error(use_awaitable, ec));
    }
    co_return *status_;
}

}  // namespace faas::process
