#include "cli/deploy.hpp"

#include <array>
#include <cstdio>

#include "core/http/types.hpp"

namespace faas::cli {
namespace {

std::string seconds_text(std::chrono::steady_clock::duration d) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1fs", std::chrono::duration<double>(d).count());
    return buf.data();
}

std::string replicas_text(const std::optional<openfaas::FunctionStatus>& s) {
    if (!s) {
        return "not listed yet";
    }
    return std::to_string(s->available_replicas) + "/" + std::to_string(s->replicas) +
           " replicas ready";
}

}  // namespace

std::string function_url(const GatewayConfig& gw, const std::string& name,
                         const std::string& ns, bool async) {
    std::string url = gw.url + (async ? "/async-function/" : "/function/") + name;
    if (!ns.empty()) {
        url += "." + ns;
    }
    return url;
}

awaitable<DeployReport> deploy_all(Api& api, DeployPlan plan, std::ostream& out,
                                   std::ostream& err, bool err_is_terminal) {
    DeployReport report;
    std::vector<const openfaas::FunctionDeployment*> to_wait;
    for (const auto& d : plan.functions) {
        out << "Deploying: " << d.service << ".\n";
        out.flush();
        auto r = co_await deploy_function(api, d, plan.mode);
        if (!r) {
            err << "faas: deploying " << d.service << ": " << r.error().what() << "\n";
            err.flush();
            ++report.failed;
            continue;
        }
        out << "Deployed. " << r->status << " " << http::reason(r->status) << ".\n"
            << "URL: " << function_url(api.config(), d.service, d.namespace_) << "\n\n";
        out.flush();
        ++report.deployed;
        to_wait.push_back(&d);
    }
    if (!plan.wait) {
        co_return report;
    }
    for (const auto* d : to_wait) {
        const auto start = std::chrono::steady_clock::now();
        std::string last;
        auto progress = [&](const std::optional<openfaas::FunctionStatus>& s) {
            const std::string line = "Waiting for " + d->service + ": " + replicas_text(s) +
                                     " (" + seconds_text(std::chrono::steady_clock::now() - start) +
                                     ")";
            if (err_is_terminal) {
                err << "\r" << line << "\033[K";
                err.flush();
            } else if ((!s || s->available_replicas == 0) &&
                       line.substr(0, line.rfind('(')) != last) {
                // Not a terminal: one line per change of state, not per poll.
                last = line.substr(0, line.rfind('('));
                err << line << "\n";
                err.flush();
            }
        };
        auto ready = co_await wait_ready(api, d->service, d->namespace_, plan.wait_timeout,
                                         progress);
        if (err_is_terminal) {
            err << "\r\033[K";
        }
        if (!ready) {
            err << "faas: " << ready.error().what() << "\n";
            err.flush();
            ++report.failed;
            --report.deployed;
            continue;
        }
        out << d->service << " is ready ("
            << seconds_text(std::chrono::steady_clock::now() - start) << ").\n";
        out.flush();
    }
    co_return report;
}

}  // namespace faas::cli
