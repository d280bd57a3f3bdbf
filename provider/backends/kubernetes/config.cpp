#include "provider/backends/kubernetes/config.hpp"

#include <utility>

#include "core/openfaas/types.hpp"

namespace faas::provider::kubernetes {

KubernetesConfig load_config(const config::Env& env) {
    KubernetesConfig c;
    c.function_namespace = env.string("function_namespace", c.function_namespace);
    if (c.function_namespace.empty()) {
        c.function_namespace = "openfaas-fn";
    }
    if (!openfaas::valid_dns_label(c.function_namespace)) {
        throw config::ConfigError("function_namespace=" + c.function_namespace +
                                  ": expected a DNS-1123 label (a Kubernetes namespace name)");
    }
    c.image_pull_policy = env.string("image_pull_policy", c.image_pull_policy);
    if (c.image_pull_policy != "Always" && c.image_pull_policy != "IfNotPresent" &&
        c.image_pull_policy != "Never") {
        throw config::ConfigError("image_pull_policy=" + c.image_pull_policy +
                                  ": expected Always, IfNotPresent or Never");
    }
    c.api_timeout = env.duration("kube_api_timeout", c.api_timeout);
    c.watch_timeout = env.duration("kube_watch_timeout", c.watch_timeout);
    if (c.api_timeout <= std::chrono::nanoseconds(0) ||
        c.watch_timeout < std::chrono::seconds(1)) {
        throw config::ConfigError(
            "kube_api_timeout must be positive and kube_watch_timeout at least 1s");
    }
    auto server = discover_api_server(env);
    if (!server) {
        throw config::ConfigError("backend=kubernetes: " + server.error().what());
    }
    c.api_server = std::move(server).value();
    c.queue_worker_deployment = env.string("queue_worker_service", "");
    c.queue_worker_namespace = env.string("queue_worker_namespace", c.queue_worker_namespace);
    return c;
}

}  // namespace faas::provider::kubernetes
