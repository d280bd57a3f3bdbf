// kube-apiserver-standin: the stand-in Kubernetes API server as a process, for bench/ and
// manual runs. Serves plain HTTP on 127.0.0.1 until SIGINT/SIGTERM; prints the bound port.
//   kube-apiserver-standin [--port N] [--admin-token T] [--bookmark-interval-ms N]
//                          [--log-level L]
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "core/text/text.hpp"
#include "tests/support/kube/server.hpp"

namespace {

int usage(std::string_view why) {
    std::cerr << "kube-apiserver-standin: " << why
              << "\nusage: kube-apiserver-standin [--port N] [--admin-token T]"
                 " [--bookmark-interval-ms N] [--log-level L]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    faas::test::kube::ServerOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) {
            return usage("missing value for " + std::string(flag));
        }
        const std::string value = argv[++i];
        const auto number = faas::text::parse_uint(value);
        if (flag == "--port" && number && *number <= 65535) {
            options.port = static_cast<std::uint16_t>(*number);
        } else if (flag == "--admin-token" && !value.empty()) {
            options.admin_token = value;
        } else if (flag == "--bookmark-interval-ms" && number && *number > 0) {
            options.bookmark_interval = std::chrono::milliseconds(*number);
        } else if (flag == "--log-level") {
            options.log_level = value;
        } else {
            return usage("bad flag or value: " + std::string(flag) + " " + value);
        }
    }
    // Block the stop signals in every thread; the main thread waits for them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    faas::test::kube::Server server(options);
    server.start();
    std::cout << "listening port=" << server.port() << std::endl;
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
    return 0;
}
