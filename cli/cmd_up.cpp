// faas up: the command line (flags -> UpOptions), the state dir and binary dir defaults.
#include <unistd.h>

#include "cli/up.hpp"
#include "core/asio.hpp"
#include "core/config/env.hpp"

#ifndef FAAS_SOURCE_DIR
#define FAAS_SOURCE_DIR ""
#endif

namespace faas::cli {

namespace fs = std::filesystem;

fs::path default_state_dir(const VarLookup& env) {
    if (auto d = env("FAAS_STATE_DIR"); d && !d->empty()) {
        return *d;
    }
    if (::geteuid() == 0) {
        return "/var/lib/faas";
    }
    const auto home = env("HOME");
    return fs::path(home && !home->empty() ? *home : "/tmp") / ".local/state/faas";
}

fs::path own_bin_dir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

namespace {

Result<std::uint16_t> port_arg(const std::string& flag, const std::string& v) {
    try {
        std::size_t used = 0;
        const int p = std::stoi(v, &used);
        if (used == v.size() && p > 0 && p < 65536) {
            return static_cast<std::uint16_t>(p);
        }
    } catch (const std::exception&) {
    }
    return make_error(errc::bad_request,
                      "--" + flag + " wants a port number 1-65535, not \"" + v + "\"");
}

// --port, --metrics-port and --nats-port (else faas_nats_port from the environment).
Status read_ports(const Args& args, Io& io, UpOptions& o) {
    if (auto p = args.value("port")) {
        auto port = port_arg("port", *p);
        if (!port) {
            return port.error();
        }
        o.port = *port;
    }
    if (auto p = args.value("metrics-port")) {
        auto port = port_arg("metrics-port", *p);
        if (!port) {
            return port.error();
        }
        o.metrics_port = *port;
    }
    if (auto p = args.value("nats-port")) {
        auto port = port_arg("nats-port", *p);
        if (!port) {
            return port.error();
        }
        o.nats_port = *port;
    } else if (auto e = io.env("faas_nats_port"); e && !e->empty()) {
        auto port = port_arg("nats-port", *e);
        if (!port) {
            return make_error(errc::bad_request, "faas_nats_port: " + port.error().what());
        }
        o.nats_port = *port;
    }
    return {};
}

// The stack file to deploy: --stack, else the source tree's examples, none with --no-examples.
Status read_stack(const Args& args, UpOptions& o) {
    if (auto s = args.value("stack")) {
        o.stack = fs::absolute(*s);
        if (!fs::exists(o.stack)) {
            return make_error(errc::bad_request, "--stack " + *s + ": no such file");
        }
    } else if (const fs::path examples = fs::path(FAAS_SOURCE_DIR) / "examples" / "stack.yml";
               !std::string_view(FAAS_SOURCE_DIR).empty() && fs::exists(examples)) {
        o.stack = examples;
    }
    if (args.flag("no-examples", false) && !args.has("stack")) {
        o.stack.clear();
    }
    return {};
}

int up_command(const Args& args, Io& io) {
    if (!args.positional.empty()) {
        return fail(io, "up takes no arguments (see faas up --help)", kExitUsage);
    }
    UpOptions o;
    o.bind = args.value_or("bind", "127.0.0.1");
    boost::system::error_code ec;
    (void)asio::ip::make_address(o.bind, ec);
    if (ec) {
        return fail(io, "--bind wants an IP address, not \"" + o.bind + "\"", kExitUsage);
    }
    if (Status ports = read_ports(args, io, o); !ports) {
        return fail(io, ports.error().what(), kExitUsage);
    }
    o.state_dir = args.has("state-dir") ? fs::path(*args.value("state-dir"))
                                        : default_state_dir(io.env);
    o.state_dir = fs::absolute(o.state_dir);
    if (Status stack = read_stack(args, o); !stack) {
        return fail(io, stack.error().what(), kExitUsage);
    }
    o.bin_dir = own_bin_dir();
    o.quiet = args.flag("quiet", false);
    auto start = duration_flag(args, "start-timeout", o.start_timeout);
    auto ready = duration_flag(args, "timeout", o.ready_timeout);
    if (!start || !ready) {
        return fail(io, (!start ? start.error() : ready.error()).what(), kExitUsage);
    }
    o.start_timeout = *start;
    o.ready_timeout = *ready;
    return run_up(o, io);
}

}  // namespace

std::vector<Command> up_commands() {
    std::vector<Command> out;
    out.push_back(Command{
        "up",
        "start the platform on this machine (nats, provider, gateway, queue-worker) and deploy "
        "the examples",
        "faas up [--port 8080] [--bind 127.0.0.1] [--state-dir DIR] [--stack FILE | --no-examples]",
        "Starts nats-server with JetStream (127.0.0.1, a free port unless --nats-port or\n"
        "$faas_nats_port, store in STATE_DIR/nats), faas-provider (on a free loopback port), the\n"
        "gateway and the queue-worker (the last three from the directory of the faas executable),\n"
        "waits until each is ready, deploys the stack (by default the examples/stack.yml of the\n"
        "source tree faas was built from) and waits for its replicas, then runs in the\n"
        "foreground. Ctrl-C (SIGINT) or SIGTERM stops them in reverse order and exits 0.\n"
        "nats-server and the queue-worker are restarted when they exit (their state is in the\n"
        "JetStream store); one that exits 3 times in a row before it is ready, or a provider or\n"
        "gateway that exits, stops the rest and exits 1. Callbacks may go to 127.0.0.1 and ::1\n"
        "(callback_allow_hosts, override it in the environment). Logs are echoed with a [name]\n"
        "prefix and kept in STATE_DIR/logs/. Binaries can be overridden with the env vars\n"
        "provider_path, gateway_path, queue_worker_path and nats_server_path (nats-server is\n"
        "otherwise looked up in PATH, /usr/sbin and /usr/local/sbin; missing, it exits 2).\n",
        {
            {"port", 'p', FlagKind::Value, "PORT", "gateway port (default 8080)"},
            {"bind", 0, FlagKind::Value, "ADDR", "gateway listen address (default 127.0.0.1)"},
            {"nats-port", 0, FlagKind::Value, "PORT",
             "nats-server client port (default $faas_nats_port, or a free one)"},
            {"metrics-port", 0, FlagKind::Value, "PORT",
             "gateway metrics port (default 8082, or a free one)"},
            {"state-dir", 0, FlagKind::Value, "DIR",
             "provider state ($FAAS_STATE_DIR, /var/lib/faas as root, else ~/.local/state/faas)"},
            {"stack", 'f', FlagKind::Value, "FILE", "stack.yml to deploy (default: the examples)"},
            {"no-examples", 0, FlagKind::Bool, "", "deploy nothing"},
            {"quiet", 'q', FlagKind::Bool, "",
             "do not echo the daemons' logs (still in the log files)"},
            {"start-timeout", 0, FlagKind::Value, "DURATION",
             "how long each daemon may take to start (default 30s)"},
            {"timeout", 0, FlagKind::Value, "DURATION",
             "how long functions may take to be ready (default 60s)"},
        },
        up_command});
    return out;
}

}  // namespace faas::cli
