#include "cli/commands.hpp"

#include <algorithm>
#include <ostream>

#include "core/config/env.hpp"

namespace faas::cli {
namespace {

std::vector<Command> all_commands() {
    std::vector<Command> all;
    for (auto* group : {&up_commands, &function_commands, &status_commands, &invoke_commands,
                        &queue_commands, &secret_commands}) {
        auto cmds = (*group)();
        std::move(cmds.begin(), cmds.end(), std::back_inserter(all));
    }
    return all;
}

void print_help(std::ostream& out, const std::vector<Command>& commands) {
    out << "faas: run functions on this machine, OpenFaaS-compatible.\n\n"
           "usage: faas COMMAND [flags]   (faas COMMAND --help for its flags)\n\n"
           "commands:\n";
    std::size_t width = 0;
    for (const auto& c : commands) {
        width = std::max(width, c.name.size());
    }
    for (const auto& c : commands) {
        out << "  " << c.name << std::string(width - c.name.size() + 3, ' ') << c.summary << "\n";
    }
    out << "  help" << std::string(width > 4 ? width - 4 + 3 : 3, ' ') << "this help\n\n"
        << "The gateway is -g/--gateway URL, else $OPENFAAS_URL, else http://127.0.0.1:8080;\n"
           "credentials from --username/--password or OPENFAAS_USERNAME/OPENFAAS_PASSWORD.\n";
}

void print_command_help(std::ostream& out, const Command& c) {
    out << "usage: " << c.usage << "\n\n" << c.summary << "\n";
    if (!c.details.empty()) {
        out << "\n" << c.details;
        if (c.details.back() != '\n') {
            out << "\n";
        }
    }
    out << "\nflags:\n" << describe_flags(c.flags);
}

}  // namespace

std::vector<FlagSpec> gateway_flags() {
    return {
        {"gateway", 'g', FlagKind::Value, "URL",
         "gateway URL (default $OPENFAAS_URL or http://127.0.0.1:8080)"},
        {"username", 0, FlagKind::Value, "NAME", "basic auth user (default $OPENFAAS_USERNAME)"},
        {"password", 0, FlagKind::Value, "SECRET",
         "basic auth password (default $OPENFAAS_PASSWORD)"},
    };
}

std::vector<FlagSpec> with_gateway(std::vector<FlagSpec> flags) {
    auto g = gateway_flags();
    flags.insert(flags.end(), g.begin(), g.end());
    return flags;
}

// `name`, `name.ns` or `name -n ns`: the namespace is empty when none was given.
openfaas::QualifiedName name_and_namespace(const std::string& arg, const Args& args) {
    if (auto ns = args.value("namespace")) {
        return {arg, *ns};
    }
    if (arg.find('.') != std::string::npos) {
        return openfaas::split_name(arg, "");
    }
    return {arg, ""};
}

Result<std::chrono::nanoseconds> duration_flag(const Args& args, std::string_view name,
                                               std::chrono::nanoseconds fallback) {
    auto v = args.value(name);
    if (!v) {
        return fallback;
    }
    auto d = config::parse_go_duration(*v);
    if (!d) {
        return make_error(errc::bad_request, "--" + std::string(name) + " wants a duration like "
                                                                        "30s or 2m, not \"" +
                                                 *v + "\"");
    }
    return *d;
}

Result<GatewayConfig> gateway_from(const Args& args, const Io& io) {
    std::string url = "http://127.0.0.1:8080";
    if (auto g = args.value("gateway")) {
        url = *g;
    } else if (auto e = io.env("OPENFAAS_URL"); e && !e->empty()) {
        url = *e;
    }
    auto config = gateway_config(url);
    if (!config) {
        return config.error();
    }
    config->username = args.value("username").value_or(io.env("OPENFAAS_USERNAME").value_or(""));
    config->password = args.value("password").value_or(io.env("OPENFAAS_PASSWORD").value_or(""));
    return config;
}

std::string table_text(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) {
                out += std::string(width[i] - row[i].size() + 3, ' ');
            }
        }
        out += "\n";
    }
    return out;
}

int fail(Io& io, std::string_view message, int code) {
    io.err << "faas: " << message << "\n";
    io.err.flush();
    return code;
}

int fail(Io& io, const Error& error) {
    return fail(io, error.what(), error.code == errc::bad_request ? kExitUsage : kExitFailed);
}

Listing get_listing(const Args& args, Io& io, std::string path) {
    Listing out;
    out.target = std::move(path);
    if (auto ns = args.value("namespace")) {
        out.target += "?namespace=" + url_encode(*ns);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        out.exit_code = fail(io, gw.error().what(), kExitUsage);
        return out;
    }
    Session session(std::move(*gw));
    auto r = session.run([&] { return session.api().system("GET", out.target); });
    if (!r) {
        out.exit_code = fail(io, r.error());
    } else if (r->status != 200) {
        out.exit_code = fail(io, http_failure("GET " + out.target, *r));
    } else {
        out.body = std::move(r->body);
    }
    return out;
}

int run_cli(const std::vector<std::string>& argv, Io& io) {
    const auto commands = all_commands();
    if (argv.empty() || argv[0] == "help" || argv[0] == "-h" || argv[0] == "--help") {
        if (argv.size() >= 2) {
            std::vector<std::string> rest(argv.begin() + 1, argv.end());
            rest.emplace_back("--help");
            return run_cli(rest, io);
        }
        print_help(argv.empty() ? io.err : io.out, commands);
        return argv.empty() ? kExitUsage : kExitOk;
    }
    const Command* match = nullptr;
    std::size_t used = 0;
    for (const auto& c : commands) {
        const auto space = c.name.find(' ');
        if (space == std::string::npos) {
            if (argv[0] == c.name) {
                match = &c;
                used = 1;
            }
        } else if (argv.size() >= 2 && argv[0] == c.name.substr(0, space) &&
                   argv[1] == c.name.substr(space + 1)) {
            match = &c;
            used = 2;
        }
        if (match != nullptr) {
            break;
        }
    }
    if (match == nullptr) {
        // A group name alone ("faas secret") lists its subcommands.
        std::vector<Command> group;
        for (const auto& c : commands) {
            if (c.name.rfind(argv[0] + " ", 0) == 0) {
                group.push_back(c);
            }
        }
        if (!group.empty()) {
            const bool asked = argv.size() >= 2 && (argv[1] == "--help" || argv[1] == "-h");
            if (!asked && argv.size() >= 2) {
                fail(io, "unknown command \"" + argv[0] + " " + argv[1] + "\"", kExitUsage);
            }
            print_help(asked ? io.out : io.err, group);
            return asked ? kExitOk : kExitUsage;
        }
        return fail(io, "unknown command \"" + argv[0] + "\" (see faas help)", kExitUsage);
    }
    const std::vector<std::string> rest(argv.begin() + static_cast<std::ptrdiff_t>(used),
                                        argv.end());
    auto args = parse_args(rest, match->flags);
    if (!args) {
        return fail(io, args.error().what() + " (see faas " + match->name + " --help)",
                    kExitUsage);
    }
    if (args->help) {
        print_command_help(io.out, *match);
        return kExitOk;
    }
    return match->run(*args, io);
}

}  // namespace faas::cli
