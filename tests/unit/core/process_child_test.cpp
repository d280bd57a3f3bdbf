// core/process/child: spawning in a process group, pipes as Asio descriptors, exit through a
// pidfd, and the descriptions Go's os/exec gives ("exit status 3", "signal: killed").
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/process/child.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"

namespace process = faas::process;
using faas::awaitable;
using faas::use_awaitable;
using faas::test::run_sync;

namespace {

process::SpawnOptions command(std::vector<std::string> argv) {
    process::SpawnOptions o;
    o.argv = std::move(argv);
    o.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
    return o;
}

// Reads a pipe to its end.
awaitable<std::string> read_all(asio::posix::stream_descriptor& pipe) {
    std::string out;
    std::array<char, 4096> buf{};
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await pipe.async_read_some(
            asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        out.append(buf.data(), n);
        if (ec) {
            co_return out;
        }
    }
}

struct Outcome {
    std::string out;
    process::ExitStatus status;
};

// Spawns, writes `input` to stdin (then closes it), reads stdout to its end, waits.
Outcome run_child(asio::io_context& io, process::SpawnOptions options, std::string input) {
    return run_sync(
        io, [&io, options = std::move(options), input = std::move(input)]() -> awaitable<Outcome> {
            auto child = process::Child::spawn(io.get_executor(), options);
            if (!child) {
                throw std::runtime_error(child.error().what());
            }
            if (child->stdin_pipe()) {
                boost::system::error_code ec;
                co_await asio::async_write(*child->stdin_pipe(), asio::buffer(input),
                                           asio::redirect_error(use_awaitable, ec));
                child->close_stdin();
            }
            Outcome o;
            if (child->stdout_pipe()) {
                o.out = co_await read_all(*child->stdout_pipe());
            }
            o.status = co_await child->wait();
            co_return o;
        });
}

}  // namespace

TEST_SUITE_BEGIN("core.process.child");
TEST_CASE("child: cat echoes stdin to stdout and exits 0") {
    asio::io_context io;
    auto o = run_child(io, command({"cat"}), "hello, child\n");
    CHECK(o.out == "hello, child\n");
    CHECK(o.status.success());
    CHECK(o.status.code == 0);
    CHECK(o.status.describe() == "exit status 0");
}

TEST_CASE("child: a large input streams through cat without deadlock") {
    asio::io_context io;
    // More than a pipe buffer (64 KiB) in both directions: reading and writing must overlap.
    const std::string big(1 << 20, 'x');
    auto result = run_sync(io, [&]() -> awaitable<std::string> {
        auto child = process::Child::spawn(io.get_executor(), command({"cat"}));
        if (!child) {
            throw std::runtime_error(child.error().what());
        }
        std::string out;
        auto reader = [&]() -> awaitable<void> { out = co_await read_all(*child->stdout_pipe()); };
        bool read_done = false;
        asio::co_spawn(io, reader, [&](std::exception_ptr) { read_done = true; });
        co_await asio::async_write(*child->stdin_pipe(), asio::buffer(big), use_awaitable);
        child->close_stdin();
        (void)co_await child->wait();
        while (!read_done) {
            co_await asio::post(io, use_awaitable);
        }
        co_return out;
    });
    CHECK(result.size() == big.size());
    CHECK(result == big);
}

TEST_CASE("child: a non-zero exit is described as exit status N") {
    asio::io_context io;
    auto o = run_child(io, command({"sh", "-c", "exit 3"}), "");
    CHECK_FALSE(o.status.success());
    CHECK(o.status.code == 3);
    CHECK(o.status.signal == 0);
    CHECK(o.status.describe() == "exit status 3");
}

TEST_CASE("child: a killed process is described as signal: killed") {
    asio::io_context io;
    auto status = run_sync(io, [&]() -> awaitable<process::ExitStatus> {
        auto child = process::Child::spawn(io.get_executor(), command({"sleep", "30"}));
        if (!child) {
            throw std::runtime_error(child.error().what());
        }
        CHECK(child->running());
        child->signal_group(SIGKILL);
        auto st = co_await child->wait();
        CHECK_FALSE(child->running());
        co_return st;
    });
    CHECK(status.signal == SIGKILL);
    CHECK(status.code == -1);
    CHECK(status.describe() == "signal: killed");
    CHECK(process::ExitStatus{-1, SIGTERM}.describe() == "signal: terminated");
}

TEST_CASE("child: spawning a missing binary fails with a message naming it") {
    asio::io_context io;
    auto missing =
        process::Child::spawn(io.get_executor(), command({"/nonexistent/faas-no-such-binary"}));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == std::error_code(ENOENT, std::generic_category()));
    CHECK(missing.error().what() ==
          "starting /nonexistent/faas-no-such-binary: No such file or directory");

    auto unknown = process::Child::spawn(io.get_executor(), command({"faas-no-such-command-x"}));
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().what() == "starting faas-no-such-command-x: No such file or directory");

    auto empty = process::Child::spawn(io.get_executor(), command({}));
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().what() == "no command to run");
}

TEST_CASE("child: the environment given is the whole environment") {
    asio::io_context io;
    auto options = command({"/usr/bin/env"});
    options.env = {"A=1", "Http_Method=POST"};
    options.in = process::Stdio::Null;
    auto o = run_child(io, options, "");
    CHECK(o.out == "A=1\nHttp_Method=POST\n");
    CHECK(o.status.success());
}

TEST_CASE("child: ToStdout sends stderr into the stdout pipe") {
    asio::io_context io;
    auto options = command({"sh", "-c", "echo out; echo err >&2"});
    options.in = process::Stdio::Null;
    options.err = process::Stdio::ToStdout;
    auto o = run_child(io, options, "");
    CHECK(o.out == "out\nerr\n");
}

TEST_CASE("child: stderr has its own pipe") {
    asio::io_context io;
    auto options = command({"sh", "-c", "echo out; echo err >&2"});
    options.in = process::Stdio::Null;
    auto texts = run_sync(io, [&]() -> awaitable<std::pair<std::string, std::string>> {
        auto child = process::Child::spawn(io.get_executor(), options);
        if (!child) {
            throw std::runtime_error(child.error().what());
        }
        CHECK_FALSE(child->stdin_pipe().has_value());
        auto out = co_await read_all(*child->stdout_pipe());
        auto err = co_await read_all(*child->stderr_pipe());
        (void)co_await child->wait();
        co_return std::make_pair(out, err);
    });
    CHECK(texts.first == "out\n");
    CHECK(texts.second == "err\n");
}

TEST_CASE("child: runs in its own process group and cwd") {
    asio::io_context io;
    auto options = command({"sh", "-c", "pwd; cut -d' ' -f5 /proc/$$/stat"});
    options.cwd = "/";
    options.in = process::Stdio::Null;
    auto o = run_sync(io, [&]() -> awaitable<std::pair<std::string, pid_t>> {
        auto child = process::Child::spawn(io.get_executor(), options);
        if (!child) {
            throw std::runtime_error(child.error().what());
        }
        const pid_t pid = child->pid();
        auto out = co_await read_all(*child->stdout_pipe());
        (void)co_await child->wait();
        co_return std::make_pair(out, pid);
    });
    // The child leads its own group: its group id is its pid.
    CHECK(o.first == "/\n" + std::to_string(o.second) + "\n");
    CHECK(::getpgrp() != o.second);
}

TEST_CASE("child: the destructor kills and reaps a running process group") {
    asio::io_context io;
    pid_t pid = -1;
    int grandchild_fd = -1;
    {
        auto options = command({"sh", "-c", "sleep 30 & echo $!; wait"});
        options.in = process::Stdio::Null;
        auto child = process::Child::spawn(io.get_executor(), options);
        REQUIRE(child.ok());
        pid = child->pid();
        // Read the background sleep's pid (one line), without waiting for the end of output.
        const pid_t grandchild = run_sync(io, [&]() -> awaitable<pid_t> {
            std::string line;
            std::array<char, 64> buf{};
            while (line.find('\n') == std::string::npos) {
                const std::size_t n = co_await child->stdout_pipe()->async_read_some(
                    asio::buffer(buf), use_awaitable);
                line.append(buf.data(), n);
            }
            co_return static_cast<pid_t>(std::stoi(line));
        });
        CHECK(::kill(pid, 0) == 0);
        // A pidfd becomes readable when the process exits, child of ours or not.
        grandchild_fd = static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0));
        REQUIRE(grandchild_fd >= 0);
    }
    // Reaped: the pid no longer exists (no zombie left to signal).
    CHECK(::kill(pid, 0) == -1);
    CHECK(errno == ESRCH);
    // The background job in the same group was killed too.
    pollfd p{grandchild_fd, POLLIN, 0};
    CHECK(::poll(&p, 1, 10'000) == 1);
    ::close(grandchild_fd);
}

TEST_CASE("child: exited() reports an exit before wait() reaps it") {
    asio::io_context io;
    auto options = command({"true"});
    options.in = process::Stdio::Null;
    options.out = process::Stdio::Null;
    options.err = process::Stdio::Null;
    auto status = run_sync(io, [&]() -> awaitable<process::ExitStatus> {
        auto child = process::Child::spawn(io.get_executor(), options);
        if (!child) {
            throw std::runtime_error(child.error().what());
        }
        CHECK_FALSE(child->stdout_pipe().has_value());
        auto st = co_await child->wait();
        CHECK(child->exited());
        co_return st;
    });
    CHECK(status.success());
}

TEST_CASE("child: current_environment lists this process's variables") {
    ::setenv("FAAS_TEST_MARKER", "42", 1);
    const auto env = process::current_environment();
    CHECK(std::find(env.begin(), env.end(), "FAAS_TEST_MARKER=42") != env.end());
    ::unsetenv("FAAS_TEST_MARKER");
}

TEST_SUITE_END();
