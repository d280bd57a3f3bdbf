#pragma once
// KubePlatform: the whole platform on the stand-in Kubernetes cluster, as a user runs it: the
// stand-in API server with its controller-manager and kubelet (pods are real fwatchdog
// processes on 127.0.1.N:8080) in the test process, the real faas-provider with
// backend=kubernetes finding it through a kubeconfig, the real gateway in front of it, and for
// async calls a real nats-server and queue-worker plus a callback receiver. Everything is
// reached over HTTP as faas-cli and a caller would. One test thread; the destructor stops
// every process and the cluster (which kills the pods).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/http/types.hpp"
#include "core/result.hpp"
#include "tests/integration/gateway/gateway_fixture.hpp"
#include "tests/integration/kube_cluster/cluster_fixture.hpp"
#include "tests/support/callback_receiver.hpp"
#include "tests/support/nats_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {

// A kubeconfig naming `server` with the bearer token `token` (and the CA's PEM as
// certificate-authority-data when given): what a user's ~/.kube/config holds.
std::string kubeconfig_text(const std::string& server,
                            const std::string& token,
                            const std::string& ca_pem = {});

struct KubePlatformOptions {
    bool async = false;  // nats-server, queue-worker and the callback receiver too
    // Puts something in front of the stand-in (given its port) and returns the URL the
    // provider is given instead of the stand-in's own (a TLS terminator); empty: plain HTTP.
    std::function<std::string(std::uint16_t standin_port)> front;
    std::string ca_pem;  // the kubeconfig's certificate-authority-data, for an https front
};

class KubePlatform {
public:
    explicit KubePlatform(KubePlatformOptions options = {});
    ~KubePlatform();
    KubePlatform(const KubePlatform&) = delete;
    KubePlatform& operator=(const KubePlatform&) = delete;

    Cluster& cluster() { return *cluster_; }
    Provider& provider() { return *provider_; }
    Gateway& gateway() { return *gateway_; }
    CallbackReceiver& receiver() { return *receiver_; }

    // POST /system/functions through the gateway (as faas-cli deploy); fails the test unless 202.
    void deploy(const std::string& json);
    // POST /function/<name> through the gateway.
    Result<http::Response> invoke(const std::string& name, const std::string& body = "x");
    // POST /system/scale-function/<name>; fails the test unless 202.
    void scale(const std::string& name, std::uint64_t replicas);
    // Waits until the provider publishes `n` ready endpoints of `name` (fails the test when not).
    void wait_ready(const std::string& name, std::size_t n);

private:
    void start_worker();

    TempDir dir_;
    std::unique_ptr<Cluster> cluster_;
    std::unique_ptr<NatsServer> nats_;
    std::unique_ptr<Provider> provider_;
    std::unique_ptr<Gateway> gateway_;
    std::unique_ptr<Process> worker_;
    std::unique_ptr<CallbackReceiver> receiver_;
};

// The HOSTNAME=... line of an `env` function's answer (the pod's name), or "".
std::string hostname_of(const std::string& env_output);

// Calls `name` through the gateway in a loop on a thread of its own until stop(); counts the
// answers that were not 200 (and keeps the first one's text).
class CallLoop {
public:
    CallLoop(std::uint16_t gateway_port, std::string name);
    ~CallLoop();
    CallLoop(const CallLoop&) = delete;
    CallLoop& operator=(const CallLoop&) = delete;

    void stop();
    int calls() const { return calls_.load(); }
    int failures() const { return failures_.load(); }
    std::string first_failure() const;
    // The last successful answer's body.
    std::string last_body() const;

private:
    std::atomic<bool> stop_{false};
    std::atomic<int> calls_{0};
    std::atomic<int> failures_{0};
    mutable std::mutex mu_;
    std::string first_failure_;
    std::string last_body_;
    std::thread thread_;
};

}  // namespace faas::test
