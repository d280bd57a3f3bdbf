// The doctest main for every test executable.
#define DOCTEST_CONFIG_IMPLEMENT
#include <csignal>

#include <doctest/doctest.h>

int main(int argc, char** argv) {
    // Writing to a socket the peer closed must surface as EPIPE in the test, not kill it.
    std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c)
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    return context.run();
}
