#include "provider/backends/kubernetes/backend.hpp"

#include "provider/backends/kubernetes/backend_impl.hpp"

namespace faas::provider::kubernetes {

using namespace std::chrono_literals;

ApiTarget api_target(const KubernetesConfig& c) {
    ApiTarget t;
    t.endpoint = c.api_server.endpoint;
    t.url = c.api_server.url;
    t.authorization = c.api_server.authorization;
    t.timeout = c.api_timeout;
    return t;
}

KubernetesBackend::KubernetesBackend(asio::io_context& control, Config config, log::Logger log,
                                     metrics::Registry& registry, ApiTarget target)
    : ex_(control.get_executor()),
      config_(std::move(config)),
      log_(std::move(log)),
      metrics_(std::make_unique<Metrics>(registry)),
      target_(std::move(target)),
      location_(target_.url + " (" + config_.kubernetes.api_server.source + ")"),
      api_(ex_, target_),
      board_(ex_) {}

KubernetesBackend::~KubernetesBackend() = default;

Status KubernetesBackend::start() {
    const KubernetesConfig& c = config_.kubernetes;
    watch_namespace(c.function_namespace);
    asio::co_spawn(ex_, namespace_poll(), asio::detached);
    log_->info("kubernetes back end api={} source={} function_namespace={} image_pull_policy={}",
               target_.url, c.api_server.source, c.function_namespace, c.image_pull_policy);
    return {};
}

awaitable<void> KubernetesBackend::shutdown() {
    // Functions are Deployments: they keep running without the provider. The loops see
    // stopping_ when they next wake; nothing of theirs outlives the control thread's run.
    stopping_ = true;
    board_.wake_all();
    co_return;
}

awaitable<void> KubernetesBackend::pause(std::chrono::nanoseconds d) {
    asio::steady_timer t(ex_);
    t.expires_after(d);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
}

std::string KubernetesBackend::deployments_path(const std::string& ns) const {
    return "/apis/apps/v1/namespaces/" + ns + "/deployments";
}

std::string KubernetesBackend::deployment_path(const std::string& ns,
                                               const std::string& name) const {
    return deployments_path(ns) + "/" + name;
}

awaitable<Result<NamespaceInfo>> KubernetesBackend::openfaas_namespace(const std::string& ns) {
    if (!openfaas::valid_dns_label(ns)) {
        co_return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    const std::string path = "/api/v1/namespaces/" + ns;
    const std::string what = "reading namespace " + ns;
    auto body = co_await api_.get(path, what);
    if (!body) {
        co_return body.error();
    }
    auto info = parse_namespace(*body);
    if (!info) {
        co_return info.error();
    }
    const auto label = info->labels.find(std::string(kNamespaceLabel));
    const bool labelled = label != info->labels.end() && label->second == "1";
    if (!labelled && ns != default_namespace()) {
        co_return make_error(errc::not_found, "namespace " + ns + " not found (it exists but is " +
                                                  "not labelled openfaas=1)");
    }
    co_return info;
}

awaitable<Status> KubernetesBackend::check_namespace(const std::string& ns) {
    if (ns == default_namespace()) {
        co_return Status{};
    }
    auto info = co_await openfaas_namespace(ns);
    if (!info) {
        if (info.error().code == errc::not_found) {
            co_return make_error(errc::bad_request,
                                 "namespace \"" + ns + "\" is not an OpenFaaS namespace");
        }
        co_return info.error();
    }
    watch_namespace(ns);
    co_return Status{};
}

awaitable<Result<DeploymentInfo>> KubernetesBackend::function(const std::string& ns,
                                                             const std::string& name) {
    const std::string missing = "function " + name + " not found in namespace " + ns;
    if (!openfaas::valid_dns_label(name) || !openfaas::valid_dns_label(ns)) {
        co_return make_error(errc::not_found, missing);
    }
    const std::string path = deployment_path(ns, name);
    const std::string what = "reading function " + name;
    auto body = co_await api_.get(path, what);
    if (!body) {
        if (body.error().code == errc::not_found) {
            co_return make_error(errc::not_found, missing);
        }
        co_return body.error();
    }
    auto info = parse_deployment(*body);
    if (!info) {
        co_return info.error();
    }
    if (!info->is_function) {
        co_return make_error(errc::not_found, missing);
    }
    co_return info;
}

openfaas::FunctionStatus KubernetesBackend::to_status(const DeploymentInfo& info) const {
    openfaas::FunctionStatus st = openfaas::status_from(info.deployment);
    st.name = info.name;
    st.namespace_ = info.namespace_;
    st.replicas = info.replicas;
    st.available_replicas = info.available_replicas;
    if (!info.created_at.empty()) {
        st.created_at = info.created_at;
    }
    return st;
}

}  // namespace faas::provider::kubernetes
