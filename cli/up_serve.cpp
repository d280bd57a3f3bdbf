// faas up's Platform once the daemons are up: deploying the stack and printing the summary.
#include <memory>
#include <ostream>

#include "cli/deploy.hpp"
#include "cli/up_platform.hpp"

namespace faas::cli {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

void Platform::print_summary(const std::vector<openfaas::FunctionDeployment>& deployed) {
    const std::string host = local_host(options_.bind);
    const std::string gw = "http://" + host + ":" + std::to_string(options_.port);
    std::ostream& out = io_out_.out;
    out << "\nfaas is up.\n\n"
        << "  gateway    " << gw << "   (metrics: http://127.0.0.1:" << metrics_port_
        << "/metrics)\n"
        << "  provider   http://127.0.0.1:" << provider_port_ << "   (internal)\n"
        << "  nats       nats://127.0.0.1:" << nats_port_
        << "   (JetStream store: " << (options_.state_dir / "nats").string() << ")\n"
        << "  worker     queue-worker   (metrics: http://127.0.0.1:" << worker_metrics_port_
        << "/metrics)\n"
        << "  state      " << options_.state_dir.string() << "\n"
        << "  logs       " << (options_.state_dir / "logs").string()
        << "/{nats,provider,gateway,queue-worker}.log\n";
    if (!deployed.empty()) {
        out << "\nFunctions:\n";
        std::size_t width = 0;
        for (const auto& d : deployed) {
            width = std::max(width, d.service.size());
        }
        for (const auto& d : deployed) {
            out << "  " << d.service << std::string(width - d.service.size() + 3, ' ') << gw
                << "/function/" << d.service << "\n";
        }
        out << "\nTry:\n";
        for (const auto& d : deployed) {
            const auto& a = d.annotations;
            auto it = a ? a->find("com.faas.example") : decltype(a->end()){};
            if (a && it != a->end()) {
                std::string example = it->second;
                for (auto pos = example.find("{url}"); pos != std::string::npos;
                     pos = example.find("{url}")) {
                    example.replace(pos, 5, gw + "/function/" + d.service);
                }
                out << "  " << example << "\n";
            } else {
                out << "  curl -s " << gw << "/function/" << d.service << " -d hi\n";
            }
        }
    }
    out << "\n  faas list -g " << gw << "\n"
        << "  faas deploy -f stack.yml -g " << gw << "\n"
        << "  echo hi | faas invoke echo --async -g " << gw
        << "   (prints a call id: faas queue status ID)\n"
        << "  faas queue -g " << gw << "\n"
        << "\nPress Ctrl-C to stop.\n";
    out.flush();
}

awaitable<int> Platform::serve() {
    std::vector<openfaas::FunctionDeployment> deployed;
    if (!options_.stack.empty()) {
        auto stack = load_stack(options_.stack, io_out_.env);
        if (!stack) {
            co_return fail_with(stack.error().what(), kExitUsage);
        }
        // Deploying runs beside the wait for a signal or a dead daemon, so Ctrl-C is prompt; its
        // state is shared because it may outlive this frame when we stop early.
        struct DeployRun {
            DeployRun(http::ClientPool& pool, GatewayConfig gw) : api(pool, std::move(gw)) {}
            Api api;
            DeployPlan plan;
            DeployReport report;
            bool done = false;
        };
        GatewayConfig gw;
        gw.url = "http://127.0.0.1:" + std::to_string(options_.port);
        gw.endpoint = http::Endpoint{"127.0.0.1", options_.port};
        auto run = std::make_shared<DeployRun>(pool_, gw);
        for (const auto& fn : stack->functions) {
            run->plan.functions.push_back(to_deployment(fn, DeployOverrides{}));
        }
        run->plan.wait_timeout = options_.ready_timeout;
        say("faas up: deploying " + std::to_string(run->plan.functions.size()) +
            " functions from " + options_.stack.string());
        asio::co_spawn(
            io_,
            [this, run]() -> awaitable<void> {
                run->report = co_await deploy_all(run->api, run->plan, io_out_.out, io_out_.err,
                                                  io_out_.err_is_terminal);
                run->done = true;
                wake_.notify();
            },
            asio::detached);
        while (!run->done && !stop_requested_ && daemons_.dead() == nullptr) {
            wake_.reset();
            co_await wake_.wait();
        }
        if (!run->done) {
            co_return -1;
        }
        if (run->report.failed > 0) {
            say("faas up: " + std::to_string(run->report.failed) +
                " function(s) failed to deploy or start (see above); the rest are up");
        }
        deployed = run->plan.functions;
    }
    print_summary(deployed);
    while (!stop_requested_ && daemons_.dead() == nullptr) {
        wake_.reset();
        co_await wake_.wait();
    }
    co_return 0;
}

}  // namespace faas::cli
