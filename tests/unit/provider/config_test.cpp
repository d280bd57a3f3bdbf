// provider/config: the back-end choice and the Swarm settings (docs/provider.md).
#include "provider/config.hpp"

#include <doctest/doctest.h>

#include "tests/support/env.hpp"
#include "tests/support/temp_dir.hpp"

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
    CHECK_THROWS_AS(
        load(env_of({{"state_dir", "/tmp/x"}, {"backend", "swarm"}, {"function_network", ""}})),
        ConfigError);
    CHECK_THROWS_AS(load(env_of({{"state_dir", "/tmp/x"}, {"fwatchdog_path", "/nonexistent"}})),
                    ConfigError);
}

namespace {

// A kubeconfig naming a plain-HTTP API server with a bearer token (how tests point the provider
// at the stand-in API server).
std::string kubeconfig(const faas::test::TempDir& dir) {
    return dir
        .write("kubeconfig",
               "apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
               "clusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:6443\n"
               "users:\n- name: u\n  user:\n    token: tok\n"
               "contexts:\n- name: standin\n  context:\n    cluster: c\n    user: u\n")
        .string();
}

}  // namespace

TEST_CASE("provider config: backend=kubernetes reads its settings and finds the API server") {
    const faas::test::TempDir dir;
    const std::string file = kubeconfig(dir);
    const auto c = load(env_of({{"state_dir", "/tmp/x"},
                                {"backend", "kubernetes"},
                                {"KUBECONFIG", file},
                                {"image_pull_policy", "IfNotPresent"},
                                {"kube_api_timeout", "5s"},
                                {"queue_worker_service", "queue-worker"}}));
    CHECK(c.backend == "kubernetes");
    CHECK(c.kubernetes.api_server.url == "http://127.0.0.1:6443");
    CHECK(c.kubernetes.api_server.source == file + " (context standin)");
    CHECK(c.kubernetes.api_server.endpoint.port == 6443);
    CHECK(c.kubernetes.api_server.authorization() == "Bearer tok");
    CHECK(c.kubernetes.image_pull_policy == "IfNotPresent");
    CHECK(c.kubernetes.api_timeout == 5s);
    CHECK(c.kubernetes.watch_timeout == 5min);
    CHECK(c.kubernetes.function_namespace == "openfaas-fn");
    CHECK(c.kubernetes.queue_worker_deployment == "queue-worker");
    CHECK(c.kubernetes.queue_worker_namespace == "openfaas");
    const auto defaults =
        load(env_of({{"state_dir", "/tmp/x"}, {"backend", "kubernetes"}, {"KUBECONFIG", file}}));
    CHECK(defaults.kubernetes.image_pull_policy == "Always");
    CHECK(defaults.kubernetes.queue_worker_deployment.empty());
    const std::vector<std::map<std::string, std::string>> bad = {
        {{"backend", "kubernetes"}, {"KUBECONFIG", "/nonexistent/config"}},
        {{"backend", "kubernetes"}, {"KUBECONFIG", file}, {"image_pull_policy", "Sometimes"}},
        {{"backend", "kubernetes"}, {"KUBECONFIG", file}, {"function_namespace", "Bad_NS"}},
    };
    for (auto vars : bad) {
        vars["state_dir"] = "/tmp/x";
        CHECK_THROWS_AS(load(env_of(vars)), ConfigError);
    }
    // No API server anywhere: the error says where it looked.
    try {
        (void)load(env_of({{"state_dir", "/tmp/x"},
                           {"backend", "kubernetes"},
                           {"HOME", dir.str() + "/nohome"}}));
        FAIL("loaded without an API server");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find(dir.str() + "/nohome/.kube/config") != std::string::npos);
    }
}

TEST_SUITE_END();
