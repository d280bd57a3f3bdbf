// kube-apiserver-standin: the stand-in Kubernetes API server as a process, for bench/ and
// manual runs. Serves plain HTTP on 127.0.0.1 until SIGINT/SIGTERM; prints the bound port. The
// controller-manager always runs; with --bin-dir (where fwatchdog and faas-replica are) the
// kubelet runs pods too, in --pods-dir (default: a new directory under /tmp, removed at exit).
//   kube-apiserver-standin [--port N] [--admin-token T] [--bookmark-interval-ms N]
//                          [--log-level L] [--bin-dir DIR] [--pods-dir DIR]
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "core/text/text.hpp"
#include "tests/support/kube/controllers.hpp"
#include "tests/support/kube/kubelet.hpp"
#include "tests/support/kube/server.hpp"

namespace {

int usage(std::string_view why) {
    std::cerr << "kube-apiserver-standin: " << why
              << "\nusage: kube-apiserver-standin [--port N] [--admin-token T]"
                 " [--bookmark-interval-ms N] [--log-level L] [--bin-dir DIR] [--pods-dir DIR]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    faas::test::kube::ServerOptions options;
    faas::test::kube::KubeletOptions kubelet;
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
        } else if (flag == "--bin-dir") {
            kubelet.bin_dir = value;
        } else if (flag == "--pods-dir") {
            kubelet.pods_dir = value;
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
    server.add_controller(std::make_shared<faas::test::kube::ControllerManager>());
    bool own_pods_dir = false;
    if (!kubelet.bin_dir.empty()) {
        if (kubelet.pods_dir.empty()) {
            char tmpl[] = "/tmp/kube-standin-pods-XXXXXX";
            if (::mkdtemp(tmpl) == nullptr) {
                return usage("cannot create a pods directory under /tmp");
            }
            kubelet.pods_dir = tmpl;
            own_pods_dir = true;
        }
        auto node = std::make_shared<faas::test::kube::Kubelet>(kubelet);
        server.add_controller(node);
        server.set_log_provider(node->log_provider());
    }
    server.start();
    std::cout << "listening port=" << server.port() << std::endl;
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
    if (own_pods_dir) {
        std::error_code ec;
        std::filesystem::remove_all(kubelet.pods_dir, ec);
    }
    return 0;
}
