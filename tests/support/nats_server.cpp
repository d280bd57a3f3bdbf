#include "tests/support/nats_server.hpp"

#include <csignal>
#include <stdexcept>

#include "tests/support/ports.hpp"

namespace faas::test {
namespace {

constexpr const char* kNatsServer = "/usr/sbin/nats-server";
// As `faas up` runs it: the default max_payload (1 MB) is too small for a 1 MiB request body in
// base64 inside the queued JSON. Port, address and store stay on the command line.
constexpr const char* kConfig = "max_payload: 8MB\n";

}  // namespace

NatsServer::NatsServer() : port_(free_port()) {
    start();
}

NatsServer::~NatsServer() {
    if (process_) {
        process_->kill_tree();
    }
}

std::string NatsServer::url() const {
    return "nats://127.0.0.1:" + std::to_string(port_);
}

std::string NatsServer::log() const {
    return read_file(logs_.file("nats-" + std::to_string(runs_) + ".log"));
}

void NatsServer::start() {
    if (process_) {
        return;
    }
    ++runs_;
    const auto config = logs_.write("nats.conf", kConfig);
    ProcessOptions options;
    options.argv = {kNatsServer,  "-c", config.string(),       "-js", "-sd",
                    store_.str(), "-p", std::to_string(port_), "-a",  "127.0.0.1"};
    options.env = base_env();
    // One log per run, so "ready" is looked for in this run's lines only.
    options.stderr_path = logs_.file("nats-" + std::to_string(runs_) + ".log");
    process_ = std::make_unique<Process>(std::move(options));
    if (!process_->wait_for_stderr("Server is ready") || !wait_for_port(port_)) {
        const std::string text = log();
        process_.reset();
        throw std::runtime_error("nats-server did not start on port " + std::to_string(port_) +
                                 ": " + text);
    }
}

void NatsServer::stop() {
    if (!process_) {
        return;
    }
    process_->signal(SIGTERM);
    if (!process_->wait_exit(kMaxWait)) {
        process_->kill_tree();
    }
    process_.reset();
}

}  // namespace faas::test
