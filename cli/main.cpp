// faas: the command line. Turns argv into a command run (cli/commands.hpp).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/log/log.hpp"

int main(int argc, char** argv) {
    using namespace faas;
    // A gateway that closes the connection must surface as an error, not kill the CLI.
    ::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    }
    cli::Io io{std::cout, std::cerr, std::cin, ::isatty(STDIN_FILENO) == 1,
               ::isatty(STDERR_FILENO) == 1};
    int rc = cli::kExitFailed;
    try {
        rc = cli::run_cli(args, io);
    } catch (const std::exception& e) {
        std::cerr << "faas: " << e.what() << "\n";
        rc = cli::kExitFailed;
    }
    std::cout.flush();
    log::flush_all();
    return rc;
}
