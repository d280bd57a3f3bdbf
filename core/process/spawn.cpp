// Starting a process (Child::start and the Started it returns): the pipes, posix_spawn's file
// actions and attributes, and the pidfd. Binding it to an io_context and waiting for it is
// child.cpp.
#include "core/process/child.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include "core/errno_text.hpp"
#include "core/process/spawn_setup.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace faas::process {
namespace {

// Owns a file descriptor until released.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        reset(std::exchange(o.fd_, -1));
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Fd read;
    Fd write;
};

Result<Pipe> make_pipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        return make_error(std::error_code(errno, std::generic_category()),
                          std::string("pipe2: ") + errno_text(errno));
    }
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

}  // namespace

std::vector<std::string> current_environment() {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        out.emplace_back(*e);
    }
    return out;
}

namespace {

// The pipes a child gets for the streams its options set to Stdio::Pipe.
struct ChildPipes {
    std::optional<Pipe> in;
    std::optional<Pipe> out;
    std::optional<Pipe> err;
};

Status pipe_if(Stdio wanted, std::optional<Pipe>& pipe) {
    if (wanted != Stdio::Pipe) {
        return {};
    }
    auto p = make_pipe();
    if (!p) {
        return p.error();
    }
    pipe = std::move(p.value());
    return {};
}

Result<ChildPipes> make_pipes(const SpawnOptions& options) {
    ChildPipes pipes;
    Status made = pipe_if(options.in, pipes.in);
    if (made) {
        made = pipe_if(options.out, pipes.out);
    }
    if (made) {
        made = pipe_if(options.err, pipes.err);
    }
    if (!made) {
        return made.error();
    }
    return pipes;
}

// The child's stdin, stdout and stderr (a pipe, /dev/null, or ours), its working directory, and
// no other descriptor of ours.
void set_file_actions(posix_spawn_file_actions_t* fa,
                      const SpawnOptions& options,
                      const ChildPipes& pipes) {
    if (pipes.in) {
        posix_spawn_file_actions_adddup2(fa, pipes.in->read.get(), STDIN_FILENO);
    } else if (options.in == Stdio::Null) {
        posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (pipes.out) {
        posix_spawn_file_actions_adddup2(fa, pipes.out->write.get(), STDOUT_FILENO);
    } else if (options.out == Stdio::Null) {
        posix_spawn_file_actions_addopen(fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    if (pipes.err) {
        posix_spawn_file_actions_adddup2(fa, pipes.err->write.get(), STDERR_FILENO);
    } else if (options.err == Stdio::ToStdout) {
        posix_spawn_file_actions_adddup2(fa, STDOUT_FILENO, STDERR_FILENO);
    } else if (options.err == Stdio::Null) {
        posix_spawn_file_actions_addopen(fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
    if (!options.cwd.empty()) {
        posix_spawn_file_actions_addchdir_np(fa, options.cwd.c_str());
    }
    // Asio opens sockets without O_CLOEXEC: without this a function would inherit our
    // listening socket and keep the port after we exit.
    posix_spawn_file_actions_addclosefrom_np(fa, 3);
}

// Own process group (so a timeout can kill everything the function started), default signal
// dispositions (we ignore SIGPIPE; the function must not inherit that) and an empty mask.
void set_attributes(posix_spawnattr_t* attr) {
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2}) {
        sigaddset(&defaults, s);
    }
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(attr, &defaults);
    posix_spawnattr_setsigmask(attr, &empty);
    posix_spawnattr_setpgroup(attr, 0);
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                       POSIX_SPAWN_SETSIGMASK);
}

// argv or envp as posix_spawn takes them: pointers into `strings`, then a null.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& a : strings) {
        out.push_back(const_cast<char*>(a.c_str()));  // NOLINT: posix_spawn's signature
    }
    out.push_back(nullptr);
    return out;
}

}  // namespace

Result<Started> Child::start(const SpawnOptions& options) {
    if (options.argv.empty() || options.argv.front().empty()) {
        return make_error(errc::bad_request, "no command to run");
    }
    auto pipes = make_pipes(options);
    if (!pipes) {
        return pipes.error();
    }
    SpawnSetup setup;
    set_file_actions(&setup.actions, options, *pipes);
    set_attributes(&setup.attr);
    std::vector<char*> argv = c_strings(options.argv);
    std::vector<char*> envp = c_strings(options.env);

    pid_t pid = -1;
    const int rc =
        ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
    if (rc != 0) {
        return make_error(std::error_code(rc, std::generic_category()),
                          "starting " + options.argv.front() + ": " + errno_text(rc));
    }
    Started started;
    started.pid_ = pid;
    // glibc 2.36's <sys/pidfd.h> lacks C linkage for C++; the raw syscall is the same call.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        const int e = errno;
        return make_error(std::error_code(e, std::generic_category()),
                          std::string("pidfd_open: ") + errno_text(e));  // ~Started reaps
    }
    started.pidfd_ = pidfd;
    // The parent keeps the other end of each pipe.
    if (pipes->in) {
        pipes->in->read.reset();
        started.in_ = pipes->in->write.release();
    }
    if (pipes->out) {
        pipes->out->write.reset();
        started.out_ = pipes->out->read.release();
    }
    if (pipes->err) {
        pipes->err->write.reset();
        started.err_ = pipes->err->read.release();
    }
    return started;
}

Started::Started(Started&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::exchange(o.pidfd_, -1)),
      in_(std::exchange(o.in_, -1)),
      out_(std::exchange(o.out_, -1)),
      err_(std::exchange(o.err_, -1)) {}

Started& Started::operator=(Started&& o) noexcept {
    if (this != &o) {
        release_all();
        pid_ = std::exchange(o.pid_, -1);
        pidfd_ = std::exchange(o.pidfd_, -1);
        in_ = std::exchange(o.in_, -1);
        out_ = std::exchange(o.out_, -1);
        err_ = std::exchange(o.err_, -1);
    }
    return *this;
}

Started::~Started() { release_all(); }

void Started::release_all() noexcept {
    for (int* fd : {&pidfd_, &in_, &out_, &err_}) {
        if (*fd >= 0) {
            ::close(std::exchange(*fd, -1));
        }
    }
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
}

}  // namespace faas::process
