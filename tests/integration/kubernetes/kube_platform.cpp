#include "tests/integration/kubernetes/kube_platform.hpp"

#include <filesystem>

#include <doctest/doctest.h>

#include "core/text/text.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

using namespace std::chrono_literals;

// Pods start in a second or two; under ASan with other tests running, give them more.
constexpr auto kReadyBound = 60s;

std::string queue_worker_path() {
    const std::string path = std::string(FAAS_BIN_DIR) + "/queue-worker";
    REQUIRE_MESSAGE(std::filesystem::exists(path), "queue-worker is not built: " << path);
    return path;
}

// The function namespace as compose/kubernetes/namespaces.yaml makes it.
void create_function_namespace(Cluster& c) {
    kube::Value ns = kube::Value::object();
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"]["name"] = "openfaas-fn";
    ns["metadata"]["labels"]["openfaas"] = "1";
    c.create("/api/v1/namespaces", ns);
}

}  // namespace

std::string kubeconfig_text(const std::string& server,
                            const std::string& token,
                            const std::string& ca_pem) {
    std::string cluster = "    server: " + server + "\n";
    if (!ca_pem.empty()) {
        cluster += "    certificate-authority-data: " + text::base64_encode(ca_pem) + "\n";
    }
    return "apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
           "clusters:\n- name: standin\n  cluster:\n" +
           cluster + "users:\n- name: provider\n  user:\n    token: " + token +
           "\n"
           "contexts:\n- name: standin\n  context:\n    cluster: standin\n    user: provider\n";
}

KubePlatform::KubePlatform(KubePlatformOptions options) {
    cluster_ = std::make_unique<Cluster>();
    create_function_namespace(*cluster_);
    const std::string server =
        options.front ? options.front(cluster_->server().port()) : cluster_->server().url();
    const auto config = dir_.write(
        "kubeconfig", kubeconfig_text(server, cluster_->server().admin_token(), options.ca_pem));
    provider_ = std::make_unique<Provider>(EnvMap{{"backend", "kubernetes"},
                                                  {"KUBECONFIG", config.string()},
                                                  {"image_pull_policy", "IfNotPresent"},
                                                  {"log_level", "debug"}});
    EnvMap gateway_env;
    if (options.async) {
        nats_ = std::make_unique<NatsServer>();
        receiver_ = std::make_unique<CallbackReceiver>();
        gateway_env = {{"faas_nats_address", "127.0.0.1"},
                       {"faas_nats_port", std::to_string(nats_->port())},
                       {"callback_allow_hosts", "127.0.0.1"}};
    }
    gateway_ = std::make_unique<Gateway>(provider_->port(), gateway_env);
    if (options.async) {
        REQUIRE_MESSAGE(gateway_->process().wait_for_stderr("async calls ready", 30s),
                        "gateway log:\n"
                            << gateway_->log());
        start_worker();
    }
}

KubePlatform::~KubePlatform() {
    if (worker_) {
        worker_->kill_tree();
    }
    gateway_.reset();
    provider_.reset();
    cluster_.reset();
}

void KubePlatform::start_worker() {
    EnvMap env = base_env();
    env["faas_nats_address"] = "127.0.0.1";
    env["faas_nats_port"] = std::to_string(nats_->port());
    env["faas_gateway_address"] = "127.0.0.1";
    env["faas_gateway_port"] = std::to_string(gateway_->port());
    env["metrics_port"] = "0";
    env["bind_address"] = "127.0.0.1";
    env["callback_allow_hosts"] = "127.0.0.1";
    env["log_level"] = "debug";
    ProcessOptions po;
    po.argv = {queue_worker_path()};
    po.env = std::move(env);
    po.stdout_path = dir_.file("queue-worker.stdout");
    po.stderr_path = dir_.file("queue-worker.stderr");
    worker_ = std::make_unique<Process>(std::move(po));
}

void KubePlatform::deploy(const std::string& json) {
    auto r = gateway_->post("/system/functions", json);
    REQUIRE_MESSAGE(r, r.error().what());
    REQUIRE_MESSAGE(r->status == 202, "deploy: " << r->status << " " << r->body << "\nprovider:\n"
                                                 << provider_->log());
}

Result<http::Response> KubePlatform::invoke(const std::string& name, const std::string& body) {
    return gateway_->post("/function/" + name, body);
}

void KubePlatform::scale(const std::string& name, std::uint64_t replicas) {
    auto r = gateway_->post(
        "/system/scale-function/" + name,
        R"({"serviceName":")" + name + R"(","replicas":)" + std::to_string(replicas) + "}");
    REQUIRE_MESSAGE(r, r.error().what());
    REQUIRE_MESSAGE(r->status == 202, "scale: " << r->status << " " << r->body);
}

void KubePlatform::wait_ready(const std::string& name, std::size_t n) {
    (void)provider_->wait_ready(name, n, kReadyBound);
}

std::string hostname_of(const std::string& env_output) {
    for (const std::string& line : text::split_list(env_output, '\n')) {
        if (line.starts_with("HOSTNAME=")) {
            return std::string(line.substr(9));
        }
    }
    return {};
}

CallLoop::CallLoop(std::uint16_t gateway_port, std::string name)
    : thread_([this, gateway_port, name = std::move(name)] {
          SyncClient client;
          while (!stop_.load()) {
              auto r = client.post(gateway_port, "/function/" + name, "x");
              ++calls_;
              const std::lock_guard lock(mu_);
              if (r && r->status == 200) {
                  last_body_ = r->body;
              } else if (failures_++ == 0) {
                  first_failure_ = r ? std::to_string(r->status) + " " + r->body : r.error().what();
              }
          }
      }) {}

CallLoop::~CallLoop() {
    stop();
}

void CallLoop::stop() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::string CallLoop::first_failure() const {
    const std::lock_guard lock(mu_);
    return first_failure_;
}

std::string CallLoop::last_body() const {
    const std::lock_guard lock(mu_);
    return last_body_;
}

}  // namespace faas::test
