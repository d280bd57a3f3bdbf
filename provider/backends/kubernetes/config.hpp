#pragma once
// KubernetesConfig: the settings of backend=kubernetes (functions are Deployments and Services in
// a Kubernetes cluster, driven through its REST API), read from env by load_config
// (docs/provider.md). Held in the provider's Config.
#include <chrono>
#include <string>

#include "core/config/env.hpp"
#include "provider/backends/kubernetes/credentials.hpp"

namespace faas::provider::kubernetes {

struct KubernetesConfig {
    // Where functions live when a request names no namespace (as faas-netes: openfaas-fn).
    std::string function_namespace = "openfaas-fn";
    // The containers' imagePullPolicy: Always (faas-netes's default), IfNotPresent or Never.
    std::string image_pull_policy = "Always";
    // Deadline of one API call (not of a watch or a log stream).
    std::chrono::nanoseconds api_timeout = std::chrono::seconds(30);
    // The server ends every watch after this long (timeoutSeconds); the back end relists then.
    std::chrono::nanoseconds watch_timeout = std::chrono::minutes(5);
    // The API server and how to authenticate to it, found by discover_api_server (in cluster or
    // from a kubeconfig) when the configuration is loaded.
    ApiServer api_server;
    // The Deployment of the queue-worker in its own namespace (queue_worker_service, the name
    // the Swarm back end reads too), scaled by POST /system/scale-function/<name> (empty: none).
    std::string queue_worker_deployment;
    std::string queue_worker_namespace = "openfaas";
};

// Throws config::ConfigError on an unknown pull policy, a non-positive timeout, a
// function_namespace that is not a DNS-1123 label, or no API server found (discovery's error).
KubernetesConfig load_config(const config::Env& env);

}  // namespace faas::provider::kubernetes
