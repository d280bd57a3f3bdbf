#include "tests/integration/kube_cluster/cluster_fixture.hpp"

#include <doctest/doctest.h>

#include "tests/support/kube/controllers.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

namespace {

kube::Value env_var(const std::string& name, const std::string& value) {
    kube::Value e = kube::Value::object();
    e["name"] = name;
    e["value"] = value;
    return e;
}

kube::Value probe() {
    kube::Value p = kube::Value::object();
    p["httpGet"]["path"] = "/_/health";
    p["httpGet"]["port"] = 8080;
    p["periodSeconds"] = 1;
    p["timeoutSeconds"] = 1;
    p["failureThreshold"] = 1;
    return p;
}

}  // namespace

Cluster::Cluster(ClusterOptions options) {
    kube::ServerOptions so;
    server_ = std::make_unique<kube::Server>(so);
    server_->add_controller(std::make_shared<kube::ControllerManager>());
    if (options.kubelet) {
        kube::KubeletOptions ko;
        ko.bin_dir = FAAS_BIN_DIR;
        ko.pods_dir = dir_.path();
        kubelet_ = std::make_shared<kube::Kubelet>(ko);
        server_->add_controller(kubelet_);
        server_->set_log_provider(kubelet_->log_provider());
    }
    server_->start();
}

Cluster::~Cluster() {
    server_->stop();
}

http::Response Cluster::api(const std::string& method,
                            const std::string& target,
                            const std::string& body,
                            const std::string& content_type) {
    http::Request req;
    req.method = method;
    req.target = target;
    req.headers.set("Authorization", "Bearer " + server_->admin_token());
    req.headers.set("Accept", "application/json");
    if (!body.empty()) {
        req.headers.set("Content-Type", content_type);
        req.body = body;
    }
    auto res = client_.call(http::Endpoint("127.0.0.1", server_->port()), std::move(req));
    REQUIRE_MESSAGE(res, method << " " << target << ": " << res.error().message);
    return std::move(res).value();
}

kube::Value Cluster::get(const std::string& target) {
    const http::Response res = api("GET", target);
    REQUIRE_MESSAGE(res.status == 200, "GET " << target << " -> " << res.status << " " << res.body);
    auto v = kube::Value::parse(res.body);
    REQUIRE(v);
    return std::move(v).value();
}

kube::Value Cluster::create(const std::string& collection, const kube::Value& object) {
    const http::Response res = api("POST", collection, object.dump());
    REQUIRE_MESSAGE(res.status == 201,
                    "POST " << collection << " -> " << res.status << " " << res.body);
    auto v = kube::Value::parse(res.body);
    REQUIRE(v);
    return std::move(v).value();
}

std::vector<SliceEndpoint> Cluster::endpoints(const std::string& ns, const std::string& service) {
    const kube::Value list =
        get("/apis/discovery.k8s.io/v1/namespaces/" + ns +
            "/endpointslices?labelSelector=kubernetes.io/service-name=" + service);
    std::vector<SliceEndpoint> out;
    for (const kube::Value& slice : list.find("items")->items()) {
        const kube::Value* eps = slice.find("endpoints");
        for (const kube::Value& e : eps != nullptr ? eps->items() : kube::Value::Array{}) {
            SliceEndpoint s;
            s.address = e.find("addresses")->items().front().as_string();
            s.pod = e.string_at({"targetRef", "name"});
            s.ready = e.at({"conditions", "ready"})->as_bool();
            s.serving = e.at({"conditions", "serving"})->as_bool();
            s.terminating = e.at({"conditions", "terminating"})->as_bool();
            out.push_back(std::move(s));
        }
    }
    return out;
}

std::vector<std::string> Cluster::ready_addresses(const std::string& ns,
                                                  const std::string& service) {
    std::vector<std::string> out;
    for (const SliceEndpoint& e : endpoints(ns, service)) {
        if (e.ready) {
            out.push_back(e.address);
        }
    }
    return out;
}

http::Response Cluster::invoke(const std::string& ip, const std::string& body) {
    http::Request req;
    req.method = "POST";
    req.target = "/";
    req.body = body;
    http::CallOptions co;
    co.timeout = std::chrono::seconds(5);
    auto res = client_.call(http::Endpoint(ip, 8080), std::move(req), co);
    if (!res) {
        http::Response failed;
        failed.status = 0;
        failed.body = res.error().message;
        return failed;
    }
    return std::move(res).value();
}

std::vector<pid_t> Cluster::container_pids() {
    if (!kubelet_) {
        return {};
    }
    return server_->call([this](kube::Store&) { return kubelet_->container_pids(); });
}

std::vector<std::string> Cluster::pod_names(const std::string& ns, const std::string& selector) {
    const kube::Value list = get("/api/v1/namespaces/" + ns + "/pods?labelSelector=" + selector);
    std::vector<std::string> out;
    for (const kube::Value& p : list.find("items")->items()) {
        out.push_back(p.string_at({"metadata", "name"}));
    }
    return out;
}

kube::Value function_deployment(const std::string& name,
                                const std::string& fprocess,
                                int replicas) {
    kube::Value d = kube::Value::object();
    d["apiVersion"] = "apps/v1";
    d["kind"] = "Deployment";
    d["metadata"]["name"] = name;
    d["metadata"]["labels"]["faas_function"] = name;
    d["spec"]["replicas"] = replicas;
    d["spec"]["selector"]["matchLabels"]["faas_function"] = name;
    d["spec"]["strategy"]["type"] = "RollingUpdate";
    d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = 0;
    d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = 1;
    kube::Value& tmpl = d["spec"]["template"];
    tmpl["metadata"]["name"] = name;
    tmpl["metadata"]["labels"]["faas_function"] = name;
    kube::Value c = kube::Value::object();
    c["name"] = name;
    c["image"] = "functions/alpine:latest";
    // The watchdog drains for healthcheck_interval after SIGTERM: short, so a delete is quick.
    c["env"] =
        kube::Value::Array{env_var("fprocess", fprocess), env_var("healthcheck_interval", "200ms")};
    kube::Value port = kube::Value::object();
    port["name"] = "http";
    port["containerPort"] = 8080;
    port["protocol"] = "TCP";
    c["ports"] = kube::Value::Array{std::move(port)};
    c["readinessProbe"] = probe();
    tmpl["spec"]["containers"] = kube::Value::Array{std::move(c)};
    tmpl["spec"]["terminationGracePeriodSeconds"] = 5;
    return d;
}

kube::Value function_service(const std::string& name) {
    kube::Value s = kube::Value::object();
    s["apiVersion"] = "v1";
    s["kind"] = "Service";
    s["metadata"]["name"] = name;
    s["metadata"]["labels"]["faas_function"] = name;
    s["spec"]["type"] = "ClusterIP";
    s["spec"]["selector"]["faas_function"] = name;
    kube::Value port = kube::Value::object();
    port["name"] = "http";
    port["protocol"] = "TCP";
    port["port"] = 8080;
    port["targetPort"] = 8080;
    s["spec"]["ports"] = kube::Value::Array{std::move(port)};
    return s;
}

}  // namespace faas::test
