#include "cli/daemon.hpp"

#include <array>
#include <csignal>
#include <cstdio>
#include <ostream>

#include <unistd.h>

namespace faas::cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kStopGrace = 10s;
constexpr auto kRestartDelay = 200ms;
constexpr std::size_t kLastLines = 15;

awaitable<void> sleep_for(asio::io_context& io, Clock::duration d) {
    asio::steady_timer timer(io);
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
}

}  // namespace

std::string seconds_text(std::chrono::steady_clock::duration d) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1fs", std::chrono::duration<double>(d).count());
    return buf.data();
}

std::string local_host(const std::string& bind) {
    return bind == "0.0.0.0" || bind == "::" ? std::string("127.0.0.1") : bind;
}

std::optional<std::uint16_t> listening_port_of(std::string_view line) {
    const auto at = line.find("listening");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const auto p = line.find("port=", at);
    if (p == std::string_view::npos) {
        return std::nullopt;
    }
    unsigned v = 0;
    std::size_t i = p + 5;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        v = v * 10 + static_cast<unsigned>(line[i] - '0');
        if (v > 65535) {
            return std::nullopt;
        }
    }
    if (i == p + 5 || v == 0) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(v);
}

Supervisor::Supervisor(asio::io_context& io,
                       Io& out,
                       std::filesystem::path log_dir,
                       bool quiet,
                       async::AsyncEvent& wake)
    : io_(io), out_(out), log_dir_(std::move(log_dir)), quiet_(quiet), wake_(wake) {}

void Supervisor::say(const std::string& line) {
    out_.out << line << "\n";
    out_.out.flush();
}

const Daemon* Supervisor::dead() const {
    for (const auto& d : daemons_) {
        if (d->status) {
            return d.get();
        }
    }
    return nullptr;
}

Result<Daemon*> Supervisor::start(DaemonSpec spec) {
    if (::access(spec.path.c_str(), X_OK) != 0) {
        return make_error(errc::not_found, spec.path + " not found or not executable");
    }
    auto d = std::make_unique<Daemon>(std::move(spec), io_.get_executor());
    d->log_path = log_dir_ / (d->spec.name + ".log");
    d->log.open(d->log_path, std::ios::app);
    if (!d->log) {
        return make_error(errc::internal, "cannot write " + d->log_path.string());
    }
    if (auto s = spawn(d.get()); !s) {
        return s.error();
    }
    Daemon* raw = d.get();
    daemons_.push_back(std::move(d));
    asio::co_spawn(io_, watch(raw), asio::detached);
    return raw;
}

Status Supervisor::spawn(Daemon* d) {
    process::SpawnOptions spawn;
    spawn.argv = {d->spec.path};
    spawn.argv.insert(spawn.argv.end(), d->spec.args.begin(), d->spec.args.end());
    spawn.env = process::current_environment();
    for (const auto& e : d->spec.env) {
        const auto key = e.substr(0, e.find('=') + 1);
        std::erase_if(spawn.env, [&](const std::string& have) { return have.rfind(key, 0) == 0; });
        spawn.env.push_back(e);
    }
    spawn.in = process::Stdio::Null;
    spawn.out = process::Stdio::Pipe;
    spawn.err = process::Stdio::ToStdout;
    auto child = process::Child::spawn(io_.get_executor(), spawn);
    if (!child) {
        return make_error(child.error().code,
                          "starting " + d->spec.path + ": " + child.error().what());
    }
    d->child.emplace(std::move(*child));
    d->listening_port.reset();
    d->ready = false;
    d->output_done.reset();
    asio::co_spawn(io_, pump(d), asio::detached);
    return Status{};
}

void Supervisor::note_line(Daemon* d, const std::string& line) {
    d->log << line << "\n";
    if (!quiet_) {
        out_.err << "[" << d->spec.name << "] " << line << "\n";
    }
    d->last_lines.push_back(line);
    if (d->last_lines.size() > kLastLines) {
        d->last_lines.pop_front();
    }
    if (!d->listening_port) {
        d->listening_port = listening_port_of(line);
    }
    if (!d->ready) {
        d->ready = d->spec.ready_marker.empty()
                       ? d->listening_port.has_value()
                       : line.find(d->spec.ready_marker) != std::string::npos;
        if (d->ready && d->restarts > 0) {
            say("faas up: " + d->spec.name + " is back (pid " + std::to_string(d->pid()) +
                ", restart " + std::to_string(d->restarts) + ")");
        }
    }
}

awaitable<void> Supervisor::pump(Daemon* d) {
    std::string pending;
    std::array<char, 8192> buf{};
    auto& pipe = *d->child->stdout_pipe();
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await pipe.async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        pending.append(buf.data(), n);
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos;
             nl = pending.find('\n', start)) {
            note_line(d, pending.substr(start, nl - start));
            start = nl + 1;
        }
        pending.erase(0, start);
        d->log.flush();
        out_.err.flush();
        if (ec) {
            break;  // EOF: the daemon closed its output (it exited)
        }
    }
    d->output_done.notify();
}

awaitable<void> Supervisor::watch(Daemon* d) {
    for (;;) {
        // wait(true) kills what the daemon left in its group, so its output reaches EOF.
        const process::ExitStatus status = co_await d->child->wait(true);
        co_await d->output_done.wait();
        d->unready_exits = d->ready ? 0 : d->unready_exits + 1;
        const bool restartable = d->spec.restart && !stopping_;
        if (restartable && d->unready_exits < kMaxUnreadyRestarts) {
            const auto delay = kRestartDelay * (1 << d->unready_exits);
            say("faas up: " + d->spec.name + " (pid " + std::to_string(d->pid()) +
                ") exited: " + status.describe() + "; restarting it in " + seconds_text(delay));
            co_await sleep_for(io_, delay);
            if (!stopping_) {
                ++d->restarts;
                auto s = spawn(d);
                if (s) {
                    continue;
                }
                say("faas up: " + s.error().what());
            }
        } else if (restartable) {
            say("faas up: " + d->spec.name + " exited " + std::to_string(d->unready_exits) +
                " times in a row before it was ready; giving up on it");
        }
        d->status = status;
        d->exited.notify();
        if (!stopping_) {
            wake_.notify();
        }
        co_return;
    }
}

awaitable<void> Supervisor::stop(Daemon* d) {
    if (d->status) {
        co_return;
    }
    say("faas up: stopping " + d->spec.name + " (pid " + std::to_string(d->pid()) + ")");
    d->child->signal_group(SIGTERM);
    const auto deadline = Clock::now() + kStopGrace;
    while (!d->status) {
        if (Clock::now() > deadline) {
            say("faas up: " + d->spec.name + " did not stop within " + seconds_text(kStopGrace) +
                ", killing it");
            d->child->signal_group(SIGKILL);
            co_await d->exited.wait();
            break;
        }
        co_await sleep_for(io_, kPoll);
    }
}

awaitable<void> Supervisor::stop_all() {
    stopping_ = true;
    // Not std::views::reverse: clang-tidy 14 cannot parse libstdc++ 12's ranges.
    // NOLINTNEXTLINE(modernize-loop-convert)
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
        co_await stop(it->get());
    }
}

}  // namespace faas::cli
