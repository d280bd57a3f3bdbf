#include "provider/backends/swarm/swarm_backend.hpp"

#include "core/text/text.hpp"
#include "provider/backends/swarm/swarm_backend_impl.hpp"

namespace faas::provider::swarm {

using namespace std::chrono_literals;

namespace {

bool keep_query_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string filters(std::string_view json) {
    return "filters=" + text::percent_encode(json, keep_query_char);
}

std::string label_filter(std::string_view label) {
    return filters(R"({"label":[")" + std::string(label) + R"("]})");
}

SwarmBackend::SwarmBackend(asio::io_context& control, const Config& config, log::Logger log,
                           metrics::Registry& registry)
    : control_(control),
      ex_(control.get_executor()),
      config_(config),
      log_(std::move(log)),
      metrics_(std::make_unique<Metrics>(registry)),
      store_(config.state_dir),
      pool_(ex_),
      probe_pool_(ex_),
      board_(ex_),
      wake_(ex_),
      stopped_(ex_) {
    dockerd_.unix_path = config_.swarm.docker_socket;
    dockerd_.host = "docker";
}

SwarmBackend::~SwarmBackend() = default;

Status SwarmBackend::start() {
    if (auto st = store_.init(); !st) {
        return st;
    }
    loop_running_ = true;
    asio::co_spawn(ex_, watch_loop(), asio::detached);
    const SwarmConfig& c = config_.swarm;
    log_->info("swarm back end docker_socket={} function_network={} queue_worker_service={} "
               "probe={}",
               c.docker_socket, c.function_network,
               c.queue_worker_service.empty() ? "-" : c.queue_worker_service, c.probe);
    return {};
}

awaitable<void> SwarmBackend::shutdown() {
    // Functions are Swarm services: they keep running without the provider.
    stopping_ = true;
    board_.wake_all();
    wake_.notify();
    if (loop_running_) {
        co_await stopped_.wait();
    }
}

std::string SwarmBackend::uid() const {
    return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

void SwarmBackend::kick() {
    fast_until_ = std::chrono::steady_clock::now() + kFastWindow;
    wake_.notify();
}

// --- the Engine API ---

awaitable<Result<http::Response>> SwarmBackend::docker(http::ClientPool& pool,
                                                            const std::string& method,
                                                            const std::string& target,
                                                            const std::string& body) {
    http::Request req;
    req.method = method;
    req.target = std::string(kApi) + target;
    if (!body.empty()) {
        req.headers.set("Content-Type", "application/json");
        req.body = body;
    }
    http::CallOptions opts;
    opts.timeout = 30s;
    auto res = co_await pool.request(dockerd_, std::move(req), opts);
    if (!res) {
        metrics_->docker_errors.Increment();
        co_return make_error(errc::unavailable, "cannot reach dockerd at " +
                                                    config_.swarm.docker_socket + ": " +
                                                    res.error().what());
    }
    if (res->status >= 400) {
        metrics_->docker_errors.Increment();
    }
    co_return res;
}

awaitable<Result<std::string>> SwarmBackend::docker_get(const std::string& target,
                                                         const std::string& what) {
    auto r = co_await docker(pool_, "GET", target, "");
    if (!r) {
        co_return r.error();
    }
    if (r->status != 200) {
        co_return docker_error(*r, what);
    }
    co_return std::move(r->body);
}

Error SwarmBackend::docker_error(const http::Response& r, const std::string& what) const {
    const std::string msg = what + ": dockerd answered " + std::to_string(r.status) + ": " +
                            swarm::docker_message(r.body);
    switch (r.status) {
        case 400: return make_error(errc::bad_request, msg);
        case 404: return make_error(errc::not_found, msg);
        case 409: return make_error(errc::conflict, msg);
        case 503: return make_error(errc::unavailable, msg);  // "This node is not a swarm manager"
        default: return make_error(errc::upstream_failed, msg);
    }
}

Status SwarmBackend::check_namespace(const std::string& ns) const {
    if (ns != config_.default_namespace) {
        return make_error(errc::bad_request, "namespace \"" + ns +
                                                 "\" is not an OpenFaaS namespace: the Swarm back "
                                                 "end has only " + config_.default_namespace);
    }
    return {};
}

awaitable<Result<swarm::ServiceInfo>> SwarmBackend::function_service(const std::string& name) {
    if (!openfaas::valid_route_name(name)) {
        co_return make_error(errc::not_found, "function " + name + " not found");
    }
    const std::string target = "/services/" + name;
    auto r = co_await docker(pool_, "GET", target, "");
    if (!r) {
        co_return r.error();
    }
    if (r->status == 404) {
        co_return make_error(errc::not_found, "function " + name + " not found in namespace " +
                                                  config_.default_namespace);
    }
    if (r->status != 200) {
        co_return docker_error(*r, "reading service " + name);
    }
    auto s = swarm::parse_service(r->body);
    if (!s) {
        co_return s.error();
    }
    // dockerd also matches a service by ID prefix: insist on the name.
    if (!s->is_function || s->name != name) {
        co_return make_error(errc::not_found, "function " + name + " not found in namespace " +
                                                  config_.default_namespace);
    }
    if (s->deployment.namespace_.empty()) {
        s->deployment.namespace_ = config_.default_namespace;
    }
    co_return s;
}

awaitable<Result<swarm::ServiceInfo>> SwarmBackend::function_in(const std::string& ns,
                                                               const std::string& name) {
    if (ns != config_.default_namespace) {
        co_return make_error(errc::not_found, "function " + name + " not found in namespace " + ns);
    }
    co_return co_await function_service(name);
}

awaitable<Result<std::vector<swarm::ServiceInfo>>> SwarmBackend::function_services() {
    const std::string target = "/services?" + label_filter(swarm::kFunctionLabel);
    auto body = co_await docker_get(target, "listing services");
    if (!body) {
        co_return body.error();
    }
    auto list = swarm::parse_services(*body);
    if (!list) {
        co_return list.error();
    }
    for (auto& s : *list) {
        if (s.deployment.namespace_.empty()) {
            s.deployment.namespace_ = config_.default_namespace;
        }
    }
    co_return list;
}

awaitable<Result<std::vector<swarm::DockerSecret>>> SwarmBackend::docker_secrets(
    const std::string& label) {
    const std::string target = "/secrets?" + label_filter(label);
    auto body = co_await docker_get(target, "listing secrets");
    if (!body) {
        co_return body.error();
    }
    co_return swarm::parse_secrets(*body);
}

awaitable<Result<std::map<std::string, swarm::DockerSecret>>> SwarmBackend::secrets_by_name(
    const std::string& ns) {
    const std::string owner(swarm::kSecretOwnerLabel);
    auto list = co_await docker_secrets(owner);
    if (!list) {
        co_return list.error();
    }
    std::map<std::string, swarm::DockerSecret> out;
    for (auto& s : *list) {
        const std::string sns = s.namespace_.empty() ? config_.default_namespace : s.namespace_;
        if (sns != ns) {
            continue;
        }
        auto it = out.find(s.name);
        // RFC 3339 with the same precision sorts as text.
        if (it == out.end() || it->second.created_at < s.created_at) {
            out[s.name] = s;
        }
    }
    co_return out;
}

awaitable<Status> SwarmBackend::update_service(const swarm::ServiceInfo& s,
                                               const std::string& spec) {
    const std::string target =
        "/services/" + s.id + "/update?version=" + std::to_string(s.version);
    auto r = co_await docker(pool_, "POST", target, spec);
    if (!r) {
        co_return r.error();
    }
    if (r->status != 200) {
        co_return docker_error(*r, "updating service " + s.name);
    }
    co_return Status{};
}

awaitable<Status> SwarmBackend::create_service(const openfaas::FunctionDeployment& d,
                                               const std::string& spec) {
    auto r = co_await docker(pool_, "POST", "/services/create", spec);
    if (!r) {
        co_return r.error();
    }
    if (r->status == 409) {
        co_return make_error(errc::conflict, "function " + d.service +
                                                 " already exists in namespace " + d.namespace_);
    }
    if (r->status != 201 && r->status != 200) {
        co_return docker_error(*r, "creating service " + d.service);
    }
    co_return Status{};
}

swarm::SpecOptions SwarmBackend::spec_options(std::uint64_t replicas) const {
    swarm::SpecOptions o;
    o.network = config_.swarm.function_network;
    o.uid = uid();
    o.provider_probe = config_.swarm.probe;
    o.replicas = replicas;
    return o;
}

openfaas::FunctionStatus SwarmBackend::to_status(const swarm::ServiceInfo& s) const {
    openfaas::FunctionStatus st = openfaas::status_from(s.deployment);
    st.name = s.name;
    st.namespace_ = config_.default_namespace;
    st.replicas = s.replicas;
    if (auto it = seen_.find(s.name); it != seen_.end() && it->second.service_id == s.id) {
        st.available_replicas = it->second.ready.size();
    }
    if (!s.created_at.empty()) {
        st.created_at = s.created_at;
    }
    return st;
}

}  // namespace faas::provider::swarm
