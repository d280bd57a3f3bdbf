#include "provider/backends/local/launcher.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/errno_text.hpp"

extern char** environ;  // NOLINT

namespace faas::provider::local {

namespace {

int fail(const char* what, const std::string& detail, int err) {
    std::fprintf(stderr, "faas-provider launcher: %s %s: %s\n", what, detail.c_str(),
                 errno_text(err).c_str());
    return 111;
}

// mkdir -p
bool make_path(const std::string& path) {
    std::string cur;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        cur = path.substr(0, pos);
        if (cur.empty()) {
            continue;
        }
        if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
            return false;
        }
    }
    return true;
}

// Private mount namespace with `dir` read-only at kSecretsPath. 0 or an errno.
int mount_secrets(const std::string& dir) {
    if (::unshare(CLONE_NEWNS) != 0) {
        return errno;
    }
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return errno;
    }
    if (!make_path(kSecretsPath)) {
        return errno;
    }
    if (::mount(dir.c_str(), kSecretsPath, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        return errno;
    }
    if (::mount("none", kSecretsPath, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
        return errno;
    }
    return 0;
}

bool write_pid(const std::string& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const std::string pid = std::to_string(::getpid());
    const bool ok = ::write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
    const int err = errno;
    ::close(fd);
    errno = err;
    return ok;
}

}  // namespace

std::vector<std::string> launcher_argv(const std::string& launcher, bool via_flag,
                                       const LaunchSpec& spec) {
    std::vector<std::string> a{launcher};
    if (via_flag) {
        a.emplace_back(kLauncherFlag);
    }
    a.emplace_back("--parent");
    a.push_back(std::to_string(spec.parent));
    if (!spec.secrets_dir.empty()) {
        a.emplace_back(spec.mount_secrets ? "--mount-secrets" : "--secrets");
        a.push_back(spec.secrets_dir);
    }
    for (const auto& p : spec.cgroup_procs) {
        a.emplace_back("--cgroup-procs");
        a.push_back(p);
    }
    if (spec.rlimit_as) {
        a.emplace_back("--rlimit-as");
        a.push_back(std::to_string(*spec.rlimit_as));
    }
    a.emplace_back("--");
    a.push_back(spec.watchdog);
    return a;
}

namespace {

struct LauncherArgs {
    pid_t parent = 0;
    std::string mount_dir;
    std::vector<std::string> procs;
    long long rlimit_as = -1;
    int watchdog = 0;  // argv index of the watchdog's path (after "--")
};

// Reads the options launcher_argv() writes; 0, else the exit code (the reason is on stderr).
int parse_args(int argc, char** argv, int first, LauncherArgs& out) {
    int i = first;
    for (; i < argc; ++i) {
        const std::string_view a = argv[i];  // NOLINT
        auto next = [&]() -> std::string {
            return i + 1 < argc ? std::string(argv[++i]) : std::string();  // NOLINT
        };
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "--parent") {
            out.parent = static_cast<pid_t>(std::atoi(next().c_str()));
        } else if (a == "--mount-secrets") {
            out.mount_dir = next();
        } else if (a == "--secrets") {
            (void)next();
        } else if (a == "--cgroup-procs") {
            out.procs.push_back(next());
        } else if (a == "--rlimit-as") {
            out.rlimit_as = std::atoll(next().c_str());
        } else {
            std::fprintf(stderr, "faas-provider launcher: unknown argument %s\n",
                         argv[i]);  // NOLINT
            return 2;
        }
    }
    if (i >= argc) {
        std::fprintf(stderr, "faas-provider launcher: no watchdog path after --\n");
        return 2;
    }
    out.watchdog = i;
    return 0;
}

// Joins the replica's cgroups and sets its rlimit; 0, else the exit code.
int apply_limits(const LauncherArgs& args) {
    for (const auto& p : args.procs) {
        if (!write_pid(p)) {
            return fail("cannot join cgroup", p, errno);
        }
    }
    if (args.rlimit_as >= 0) {
        rlimit rl{};
        rl.rlim_cur = static_cast<rlim_t>(args.rlimit_as);
        rl.rlim_max = static_cast<rlim_t>(args.rlimit_as);
        if (::setrlimit(RLIMIT_AS, &rl) != 0) {
            return fail("setrlimit", "RLIMIT_AS", errno);
        }
    }
    return 0;
}

}  // namespace

int run_launcher(int argc, char** argv, int first) {
    // The provider may die at any moment: take the replica with it.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        return fail("prctl", "PR_SET_PDEATHSIG", errno);
    }
    LauncherArgs args;
    if (const int code = parse_args(argc, argv, first, args); code != 0) {
        return code;
    }
    if (args.parent > 0 && ::getppid() != args.parent) {
        // The provider died before PR_SET_PDEATHSIG took effect.
        return 111;
    }
    if (const int code = apply_limits(args); code != 0) {
        return code;
    }
    if (!args.mount_dir.empty()) {
        if (const int err = mount_secrets(args.mount_dir); err != 0) {
            return fail("cannot mount secrets", args.mount_dir, err);
        }
    }
    const int i = args.watchdog;
    ::execve(argv[i], argv + i, environ);  // NOLINT
    return fail("cannot exec", argv[i], errno);  // NOLINT
}

bool probe_secret_mount(const std::string& self) {
    (void)self;
    if (::geteuid() != 0) {
        return false;
    }
    std::string tmpl = "/tmp/faas-mount-probe-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        return false;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::rmdir(tmpl.c_str());
        return false;
    }
    if (pid == 0) {
        ::_exit(mount_secrets(tmpl) == 0 ? 0 : 1);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::rmdir(tmpl.c_str());
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace faas::provider::local
