// provider/config: the back-end choice and the Swarm settings (docs/provider.md).
#include "provider/config.hpp"

#include <doctest/doctest.h>

#include "tests/support/env.hpp"

using faas::config::ConfigError;
using faas::provider::load;
using faas::test::env_of;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("provider.config");

TEST_CASE("provider config: the local back end by default, Swarm settings at their defaults") {
    // fwatchdog_path must name an executable for the local back end.
    const auto c = load(env_of({{"state_dir", "/tmp/x"}, {"fwatchdog_path", "/bin/true"}}));
    CHECK(c.backend == "local");
    CHECK(c.local.fwatchdog_path == "/bin/true");
    CHECK(c.swarm.docker_socket == "/var/run/docker.sock");
    CHECK(c.swarm.function_network == "functions");
    CHECK(c.swarm.queue_worker_service.empty());
    CHECK(c.swarm.poll == 2s);
    CHECK(c.swarm.fast_poll == 50ms);
    CHECK(c.swarm.probe);
}

TEST_CASE("provider config: backend=swarm reads the Swarm settings and needs no fwatchdog") {
    const auto c = load(env_of({{"state_dir", "/tmp/x"},
                                {"backend", "swarm"},
                                {"fwatchdog_path", "/nonexistent/fwatchdog"},
                                {"docker_socket", "/run/d.sock"},
                                {"function_network", "fn-net"},
                                {"queue_worker_service", "faas_queue-worker"},
                                {"swarm_poll_interval", "5s"},
                                {"swarm_fast_poll_interval", "100ms"},
                                {"swarm_probe", "false"}}));
    CHECK(c.backend == "swarm");
    CHECK(c.swarm.docker_socket == "/run/d.sock");
    CHECK(c.swarm.function_network == "fn-net");
    CHECK(c.swarm.queue_worker_service == "faas_queue-worker");
    CHECK(c.swarm.poll == 5s);
    CHECK(c.swarm.fast_poll == 100ms);
    CHECK_FALSE(c.swarm.probe);
}

TEST_CASE("provider config: an unknown back end and an empty function network are refused") {
    CHECK_THROWS_AS(load(env_of({{"state_dir", "/tmp/x"}, {"backend", "nomad"}})), ConfigError);
    CHECK_THROWS_AS(load(env_of({{"state_dir", "/tmp/x"}, {"backend", "swarm"}, {"function_network", ""}})),
                    ConfigError);
    CHECK_THROWS_AS(load(env_of({{"state_dir", "/tmp/x"}, {"fwatchdog_path", "/nonexistent"}})),
                    ConfigError);
}

TEST_CASE("provider config: backend=kubernetes reads its settings and needs the API server's URL") {
    const auto c = load(env_of({{"state_dir", "/tmp/x"},
                                {"backend", "kubernetes"},
                                {"kube_api_url", "http://127.0.0.1:6443"},
                                {"kube_token_file", "/run/token"},
                                {"image_pull_policy", "IfNotPresent"},
                                {"kube_api_timeout", "5s"},
                                {"queue_worker_deployment", "queue-worker"}}));
    CHECK(c.backend == "kubernetes");
    CHECK(c.kubernetes.api_url == "http://127.0.0.1:6443");
    CHECK(c.kubernetes.token_file == "/run/token");
    CHECK(c.kubernetes.image_pull_policy == "IfNotPresent");
    CHECK(c.kubernetes.api_timeout == 5s);
    CHECK(c.kubernetes.watch_timeout == 5min);
    CHECK(c.kubernetes.function_namespace == "openfaas-fn");
    CHECK(c.kubernetes.queue_worker_deployment == "queue-worker");
    CHECK(c.kubernetes.queue_worker_namespace == "openfaas");
    const auto defaults = load(env_of({{"state_dir", "/tmp/x"},
                                       {"backend", "kubernetes"},
                                       {"kube_api_url", "http://127.0.0.1:6443"}}));
    CHECK(defaults.kubernetes.image_pull_policy == "Always");
    CHECK(defaults.kubernetes.token_file.empty());
    const std::vector<std::map<std::string, std::string>> bad = {
        {{"backend", "kubernetes"}},
        {{"backend", "kubernetes"}, {"kube_api_url", "https://k8s:6443"}},
        {{"backend", "kubernetes"}, {"kube_api_url", "http://k:1"}, {"image_pull_policy", "No"}},
        {{"backend", "kubernetes"}, {"kube_api_url", "http://k:1"}, {"function_namespace", "B_"}},
    };
    for (auto vars : bad) {
        vars["state_dir"] = "/tmp/x";
        CHECK_THROWS_AS(load(env_of(vars)), ConfigError);
    }
}

TEST_SUITE_END();
