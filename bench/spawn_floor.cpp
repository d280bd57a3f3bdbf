// spawn_floor: the cost floor of classic-mode functions. C worker threads each run a loop of
// posix_spawn(command) with stdin/stdout pipes: write the body, close stdin, read stdout to EOF,
// waitpid. Prints spawns/s and latency percentiles per concurrency. No HTTP, no event loop: what
// the watchdog's classic mode adds on top of this is its overhead.
// With -w MS (the floor of pre-spawn): each round starts the process, lets it settle MS ms
// waiting on stdin, and times only write, read to EOF and waitpid.
//
// usage: spawn_floor [-c 1,8,32] [-d SECONDS | -n COUNT] [-b BODY_BYTES] [-w MS]
//                    [-- command args...]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::vector<int> concurrency{1, 8, 32};
    double seconds = 5.0;
    long count = 0;  // > 0: a fixed number of spawns per concurrency level instead of a duration
    std::size_t body_bytes = 11;
    int warm_ms = -1;  // >= 0: time a process already started and idle this long
    std::vector<std::string> argv{"cat"};
};

// Ends the process from any thread. std::exit would run static destructors while other threads
// may still use them; flush stdio and leave without them.
[[noreturn]] void quit(int code) {
    std::fflush(nullptr);
    std::_Exit(code);
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "spawn_floor: %s\nusage: spawn_floor [-c 1,8,32] [-d SECONDS | -n COUNT] "
                 "[-b BODY_BYTES] [-w MS] [-- command args...]\n",
                 why);
    quit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (i + 1 >= argc) {
            usage("missing value");
        }
        const std::string v = argv[++i];
        if (a == "-c") {
            o.concurrency.clear();
            std::size_t pos = 0;
            while (pos <= v.size()) {
                const auto comma = v.find(',', pos);
                const auto part = v.substr(pos, comma == std::string::npos ? comma : comma - pos);
                const int c = std::atoi(part.c_str());
                if (c <= 0) {
                    usage("bad -c");
                }
                o.concurrency.push_back(c);
                if (comma == std::string::npos) {
                    break;
                }
                pos = comma + 1;
            }
        } else if (a == "-d") {
            o.seconds = std::atof(v.c_str());
        } else if (a == "-n") {
            o.count = std::atol(v.c_str());
        } else if (a == "-b") {
            o.body_bytes = static_cast<std::size_t>(std::atol(v.c_str()));
        } else if (a == "-w") {
            o.warm_ms = std::atoi(v.c_str());
            if (o.warm_ms < 0) {
                usage("bad -w");
            }
        } else {
            usage(("unknown option " + a).c_str());
        }
    }
    if (i < argc) {
        o.argv.assign(argv + i, argv + argc);
    }
    if (o.seconds <= 0 && o.count <= 0) {
        usage("need -d > 0 or -n > 0");
    }
    return o;
}

void die(const char* what) {
    std::fprintf(stderr, "spawn_floor: %s: %s\n", what,
                 std::generic_category().message(errno).c_str());
    quit(1);
}

struct Running {
    pid_t pid = -1;
    int in = -1;   // its stdin
    int out = -1;  // its stdout and stderr
};

Running start_process(const std::vector<char*>& argv) {
    std::array<int, 2> in{};
    std::array<int, 2> outp{};
    if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(outp.data(), O_CLOEXEC) != 0) {
        die("pipe2");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 2);  // combine_output, as classic mode
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Own process group, as the watchdog does so that exec_timeout can kill the whole group.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(in[0]);
    ::close(outp[1]);
    if (rc != 0) {
        errno = rc;
        die("posix_spawnp");
    }
    return Running{pid, in[1], outp[0]};
}

// Write the body, close stdin, read stdout to EOF, waitpid. Returns the bytes read.
std::size_t finish(const Running& r, const std::string& body, std::string& out) {
    std::size_t off = 0;
    while (off < body.size()) {
        const ssize_t n = ::write(r.in, body.data() + off, body.size() - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;  // EPIPE: the command does not read its input
        }
        off += static_cast<std::size_t>(n);
    }
    ::close(r.in);
    std::size_t total = 0;
    for (;;) {
        const ssize_t n = ::read(r.out, out.data(), out.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        total += static_cast<std::size_t>(n);
    }
    ::close(r.out);
    int status = 0;
    while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
    }
    return total;
}

struct Level {
    int concurrency = 0;
    long spawns = 0;
    double seconds = 0;
    std::vector<double> latencies_ms;
    std::size_t bytes_out = 0;
};

Level run_level(const Options& o, int concurrency) {
    std::vector<char*> argv;
    for (const auto& a : o.argv) {
        argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT: posix_spawn's signature
    }
    argv.push_back(nullptr);
    const std::string body(o.body_bytes, 'x');
    std::atomic<long> remaining{o.count};
    std::atomic<bool> stop{false};
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(concurrency));
    std::vector<std::size_t> bytes(static_cast<std::size_t>(concurrency), 0);
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(o.seconds));
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(concurrency));
    for (int t = 0; t < concurrency; ++t) {
        threads.emplace_back([&, t] {
            std::string buf(std::size_t{64} * 1024, '\0');
            auto& mine = lat[static_cast<std::size_t>(t)];
            mine.reserve(1 << 16);
            for (;;) {
                if (o.count > 0) {
                    if (remaining.fetch_sub(1) <= 0) {
                        break;
                    }
                } else if (stop.load(std::memory_order_relaxed) || Clock::now() >= deadline) {
                    break;
                }
                if (o.warm_ms >= 0) {
                    const Running r = start_process(argv);
                    std::this_thread::sleep_for(std::chrono::milliseconds(o.warm_ms));
                    const auto t0 = Clock::now();
                    bytes[static_cast<std::size_t>(t)] += finish(r, body, buf);
                    mine.push_back(
                        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
                    continue;
                }
                const auto t0 = Clock::now();
                bytes[static_cast<std::size_t>(t)] += finish(start_process(argv), body, buf);
                const std::chrono::duration<double, std::milli> took = Clock::now() - t0;
                mine.push_back(took.count());
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    Level l;
    l.concurrency = concurrency;
    l.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (std::size_t t = 0; t < lat.size(); ++t) {
        l.latencies_ms.insert(l.latencies_ms.end(), lat[t].begin(), lat[t].end());
        l.bytes_out += bytes[t];
    }
    l.spawns = static_cast<long>(l.latencies_ms.size());
    std::sort(l.latencies_ms.begin(), l.latencies_ms.end());
    return l;
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    const auto idx =
        static_cast<std::size_t>(std::llround(p * static_cast<double>(sorted.size() - 1)));
    return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);
    std::string cmd;
    for (const auto& a : o.argv) {
        cmd += (cmd.empty() ? "" : " ") + a;
    }
    std::printf("# spawn_floor: command='%s' body=%zu bytes%s %s\n", cmd.c_str(), o.body_bytes,
                o.warm_ms >= 0 ? (" warm=" + std::to_string(o.warm_ms) + "ms").c_str() : "",
                o.count > 0 ? ("count=" + std::to_string(o.count)).c_str()
                            : ("duration=" + std::to_string(o.seconds) + "s").c_str());
    std::printf("%-6s %10s %12s %10s %10s %10s\n", "c", "spawns", "spawns/s", "p50_ms", "p99_ms",
                "max_ms");
    for (const int c : o.concurrency) {
        const Level l = run_level(o, c);
        const double rate = l.seconds > 0 ? static_cast<double>(l.spawns) / l.seconds : 0;
        std::printf("%-6d %10ld %12.1f %10.3f %10.3f %10.3f\n", c, l.spawns, rate,
                    percentile(l.latencies_ms, 0.50), percentile(l.latencies_ms, 0.99),
                    l.latencies_ms.empty() ? 0.0 : l.latencies_ms.back());
        std::fflush(stdout);
        if (l.spawns > 0 && l.bytes_out == 0 && o.body_bytes > 0 && o.argv[0] == "cat") {
            std::fprintf(stderr, "spawn_floor: cat returned no output\n");
            return 1;
        }
    }
    return 0;
}
