#pragma once
// The faas command line: run_cli() dispatches argv to a command. Each command declares its
// flags and usage (Command); the shared pieces (gateway flags, the session that turns async Api
// calls into sync ones, error printing) are here. Exit codes: 0 done, 1 the operation failed
// (the gateway said no, a timeout), 2 the input was wrong (flags, stack file).
#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api.hpp"
#include "cli/args.hpp"
#include "cli/stack.hpp"
#include "core/http/sync_client.hpp"

namespace faas::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct Io {
    std::ostream& out;
    std::ostream& err;
    std::istream& in;
    bool in_is_terminal = false;
    // Progress lines are redrawn in place (\r) on a terminal, printed once otherwise.
    bool err_is_terminal = false;
    // Where ${VAR}, OPENFAAS_URL and friends are read from.
    VarLookup env = process_vars();
};

struct Command {
    std::string name;     // "deploy", "secret create"
    std::string summary;  // one line for `faas help`
    std::string usage;    // "faas deploy -f stack.yml [flags]"
    std::string details;  // extra paragraphs for --help, may be empty
    std::vector<FlagSpec> flags;
    std::function<int(const Args&, Io&)> run;
};

// Runs the command line (argv without the program name); returns the exit code.
int run_cli(const std::vector<std::string>& argv, Io& io);

// --- shared by the command implementations ---
std::vector<FlagSpec> gateway_flags();
// -g/--gateway, else $OPENFAAS_URL, else http://127.0.0.1:8080; credentials from the flags or
// OPENFAAS_USERNAME / OPENFAAS_PASSWORD.
Result<GatewayConfig> gateway_from(const Args& args, const Io& io);
// `flags` followed by the gateway flags.
std::vector<FlagSpec> with_gateway(std::vector<FlagSpec> flags);
// `name`, `name.ns` or `name -n ns`: the namespace is empty when none was given.
openfaas::QualifiedName name_and_namespace(const std::string& arg, const Args& args);
// A Go-style duration flag ("30s", "2m"); a bad value is errc::bad_request naming the flag.
Result<std::chrono::nanoseconds> duration_flag(const Args& args,
                                               std::string_view name,
                                               std::chrono::nanoseconds fallback);
// A listing's table: each column padded to its widest cell plus 3 spaces, one row a line.
std::string table_text(const std::vector<std::vector<std::string>>& rows);
// Prints "faas: <message>" to stderr and returns `code`.
int fail(Io& io, std::string_view message, int code = kExitFailed);
// The exit code for an error from the Api: 2 for bad input we caught, else 1.
int fail(Io& io, const Error& error);

// A listing command's GET: `path` (plus ?namespace= when -n was given) through the gateway.
// Returns the 200 body, with `target` set to what was asked; on any failure it has printed why
// and returns the exit code instead.
struct Listing {
    std::string target;
    std::optional<std::string> body;
    int exit_code = 0;
};
Listing get_listing(const Args& args, Io& io, std::string path);

// A synchronous session with the gateway for one command.
class Session {
public:
    explicit Session(GatewayConfig config) : api_(client_.pool(), std::move(config)) {}
    Api& api() { return api_; }
    template <class MakeAwaitable>
    auto run(MakeAwaitable make) {
        return std::move(*client_.run(std::move(make)));
    }

private:
    http::SyncClient client_;
    Api api_;
};

// The commands of each file, in help order.
std::vector<Command> function_commands();
std::vector<Command> status_commands();
std::vector<Command> invoke_commands();
std::vector<Command> secret_commands();
std::vector<Command> up_commands();
std::vector<Command> queue_commands();

}  // namespace faas::cli
