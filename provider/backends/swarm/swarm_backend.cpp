#include "provider/backends/swarm/swarm_backend.hpp"

#include <algorithm>
#include <deque>

#include "core/openfaas/async.hpp"
#include "core/text/text.hpp"
#include "provider/backends/local/replica.hpp"

namespace faas::provider {

using namespace std::chrono_literals;
using openfaas::FunctionDeployment;

// The local back end's gauges (BackendMetrics: the same names, whichever back end runs) and
// the Engine API's error count.
struct SwarmBackend::Metrics {
    explicit Metrics(metrics::Registry& r)
        : functions(r),
          docker_errors(prometheus::BuildCounter()
                            .Name("faas_provider_dockerd_errors_total")
                            .Help("Engine API calls that failed or answered an error")
                            .Register(r)
                            .Add({})) {}

    // Sets the per-function gauges (desired, ready by "<name>.<namespace>") and drops those of
    // functions that are gone.
    void report(const std::map<std::string, std::pair<std::uint64_t, std::size_t>>& counts) {
        for (const auto& [name, gauges] : reported) {
            if (!counts.contains(name)) {
                functions.replicas.Remove(gauges.first);
                functions.available.Remove(gauges.second);
            }
        }
        reported.clear();
        for (const auto& [name, c] : counts) {
            auto& desired = functions.replicas.Add({{"function_name", name}});
            auto& ready = functions.available.Add({{"function_name", name}});
            desired.Set(static_cast<double>(c.first));
            ready.Set(static_cast<double>(c.second));
            reported[name] = {&desired, &ready};
        }
        functions.functions.Set(static_cast<double>(counts.size()));
    }

    BackendMetrics functions;
    prometheus::Counter& docker_errors;
    std::map<std::string, std::pair<prometheus::Gauge*, prometheus::Gauge*>> reported;
};

namespace {

constexpr std::string_view kApi = "/v1.41";
// How long polling stays fast after a deploy, scale or change.
constexpr auto kFastWindow = 30s;
constexpr auto kProbeTimeout = 1s;
constexpr std::uint16_t kFunctionPort = 8080;

bool keep_query_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

std::string filters(std::string_view json) {
    return "filters=" + text::percent_encode(json, keep_query_char);
}

std::string label_filter(std::string_view label) {
    return filters(R"({"label":[")" + std::string(label) + R"("]})");
}

std::string base36(std::uint64_t v) {
    std::string out;
    do {
        const auto d = static_cast<char>(v % 36);
        out.insert(out.begin(), d < 10 ? static_cast<char>('0' + d) : static_cast<char>('a' + d - 10));
        v /= 36;
    } while (v != 0);
    return out;
}

}  // namespace

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
    dockerd_.unix_path = config_.docker_socket;
    dockerd_.host = "docker";
}

SwarmBackend::~SwarmBackend() = default;

Status SwarmBackend::start() {
    if (auto st = store_.init(); !st) {
        return st;
    }
    loop_running_ = true;
    asio::co_spawn(ex_, watch_loop(), asio::detached);
    log_->info("swarm back end docker_socket={} function_network={} queue_worker_service={} probe={}",
               config_.docker_socket, config_.function_network,
               config_.queue_worker_service.empty() ? "-" : config_.queue_worker_service,
               config_.swarm_probe);
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
        co_return make_error(errc::unavailable, "cannot reach dockerd at " + config_.docker_socket +
                                                    ": " + res.error().what());
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

awaitable<Result<std::map<std::string, swarm::DockerSecret>>> SwarmBackend::secrets_by_name(
    const std::string& ns) {
    const std::string target = "/secrets?" + label_filter(swarm::kSecretOwnerLabel);
    auto body = co_await docker_get(target, "listing secrets");
    if (!body) {
        co_return body.error();
    }
    auto list = swarm::parse_secrets(*body);
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

awaitable<Status> SwarmBackend::update_service(const swarm::ServiceInfo& s, const std::string& spec) {
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

// --- functions ---

awaitable<Status> SwarmBackend::apply(const FunctionDeployment& in, bool create) {
    FunctionDeployment d = in;
    if (d.service.empty()) {
        co_return make_error(errc::bad_request, "service is required");
    }
    if (!openfaas::valid_dns_label(d.service)) {
        co_return make_error(errc::bad_request,
                             "invalid function name \"" + d.service +
                                 "\": must be a DNS-1123 label (lower-case letters, digits and '-', "
                                 "starting and ending with a letter or digit, at most 63 characters)");
    }
    if (d.namespace_.empty()) {
        d.namespace_ = config_.default_namespace;
    }
    if (auto st = check_namespace(d.namespace_); !st) {
        co_return st;
    }
    if (d.image.empty()) {
        co_return make_error(errc::bad_request, "image is required");
    }
    std::optional<swarm::ServiceInfo> current;
    if (!create) {
        auto cur = co_await function_service(d.service);
        if (!cur) {
            co_return cur.error();
        }
        current = std::move(cur).value();
    }
    std::map<std::string, swarm::DockerSecret> secrets;
    if (!d.secrets.empty()) {
        auto found = co_await secrets_by_name(d.namespace_);
        if (!found) {
            co_return found.error();
        }
        secrets = std::move(found).value();
    }
    swarm::SpecOptions o;
    o.network = config_.function_network;
    o.uid = uid();
    o.provider_probe = config_.swarm_probe;
    o.replicas = scale_min(d);
    if (current && !has_scale_min(d)) {
        o.replicas = current->replicas;
    }
    auto spec = swarm::service_spec(d, secrets, o);
    if (!spec) {
        co_return spec.error();
    }
    if (current) {
        if (auto st = co_await update_service(*current, *spec); !st) {
            co_return st;
        }
        log_->info("update fn={} namespace={} image={} replicas={}", d.service, d.namespace_,
                   d.image, o.replicas);
    } else {
        auto r = co_await docker(pool_, "POST", "/services/create", *spec);
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
        log_->info("deploy fn={} namespace={} image={} replicas={}", d.service, d.namespace_,
                   d.image, o.replicas);
    }
    kick();
    co_return Status{};
}

awaitable<Status> SwarmBackend::deploy(const FunctionDeployment& d) { co_return co_await apply(d, true); }

awaitable<Status> SwarmBackend::update(const FunctionDeployment& d) { co_return co_await apply(d, false); }

awaitable<Status> SwarmBackend::remove(const std::string& ns, const std::string& name) {
    if (auto st = check_namespace(ns); !st) {
        co_return st;
    }
    auto s = co_await function_service(name);
    if (!s) {
        co_return s.error();
    }
    const std::string target = "/services/" + s->id;
    auto r = co_await docker(pool_, "DELETE", target, "");
    if (!r) {
        co_return r.error();
    }
    if (r->status != 200 && r->status != 204) {
        co_return docker_error(*r, "removing service " + name);
    }
    log_->info("remove fn={} namespace={}", name, ns);
    seen_.erase(name);
    kick();
    co_return Status{};
}

awaitable<Status> SwarmBackend::scale(const std::string& ns, const std::string& name,
                                      std::uint64_t replicas) {
    if (replicas > 1000) {
        co_return make_error(errc::bad_request, "replicas: at most 1000");
    }
    std::optional<swarm::ServiceInfo> svc;
    if (!config_.queue_worker_service.empty() && name == config_.queue_worker_service) {
        const std::string target = "/services/" + name;
        auto body = co_await docker_get(target, "reading the queue-worker service " + name);
        if (!body) {
            co_return body.error();
        }
        auto s = swarm::parse_service(*body);
        if (!s) {
            co_return s.error();
        }
        svc = std::move(s).value();
    } else {
        if (auto st = check_namespace(ns); !st) {
            co_return st;
        }
        auto s = co_await function_service(name);
        if (!s) {
            co_return s.error();
        }
        svc = std::move(s).value();
    }
    if (svc->replicas == replicas) {
        co_return Status{};
    }
    auto spec = swarm::with_replicas(svc->spec_json, replicas);
    if (!spec) {
        co_return spec.error();
    }
    if (auto st = co_await update_service(*svc, *spec); !st) {
        co_return st;
    }
    log_->info("scale service={} namespace={} from={} to={}", name, ns, svc->replicas, replicas);
    kick();
    co_return Status{};
}

awaitable<Result<std::vector<openfaas::FunctionStatus>>> SwarmBackend::list(const std::string& ns) {
    if (auto st = check_namespace(ns); !st) {
        co_return st.error();
    }
    auto services = co_await function_services();
    if (!services) {
        co_return services.error();
    }
    std::vector<openfaas::FunctionStatus> out;
    for (const auto& s : *services) {
        out.push_back(to_status(s));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    co_return out;
}

awaitable<Result<openfaas::FunctionStatus>> SwarmBackend::status(const std::string& ns,
                                                                 const std::string& name) {
    auto s = co_await function_in(ns, name);
    if (!s) {
        co_return s.error();
    }
    co_return to_status(*s);
}

std::optional<http::Endpoint> SwarmBackend::pick(const std::string& ns, const std::string& name) {
    if (ns != config_.default_namespace) {
        return std::nullopt;
    }
    auto it = seen_.find(name);
    if (it == seen_.end() || it->second.ready.empty()) {
        return std::nullopt;
    }
    const auto& e = it->second.ready[rr_++ % it->second.ready.size()];
    return http::Endpoint{e.address, e.port, {}};
}

// --- the watch loop ---

awaitable<void> SwarmBackend::watch_loop() {
    while (!stopping_) {
        co_await refresh();
        if (stopping_) {
            break;
        }
        const bool fast = std::chrono::steady_clock::now() < fast_until_;
        wake_.reset();
        (void)co_await wake_.wait_for(fast ? config_.swarm_fast_poll : config_.swarm_poll);
    }
    loop_running_ = false;
    stopped_.notify();
}

awaitable<void> SwarmBackend::refresh() {
    const Status st = co_await read_swarm();
    if (!st) {
        if (!dockerd_down_) {
            dockerd_down_ = true;
            log_->warn("swarm refresh failed error=\"{}\"", st.error().what());
        }
        co_return;
    }
    if (dockerd_down_) {
        dockerd_down_ = false;
        log_->info("dockerd reachable again");
    }
}

awaitable<Status> SwarmBackend::read_swarm() {
    auto services = co_await function_services();
    if (!services) {
        co_return services.error();
    }
    const std::string target = "/tasks?" + filters(R"({"desired-state":["running"]})");
    auto body = co_await docker_get(target, "listing tasks");
    if (!body) {
        co_return body.error();
    }
    auto tasks = swarm::parse_tasks(*body, config_.function_network);
    if (!tasks) {
        co_return tasks.error();
    }
    publish(*services, *tasks);
    co_return Status{};
}

void SwarmBackend::publish(const std::vector<swarm::ServiceInfo>& services,
                           const std::vector<swarm::TaskInfo>& tasks) {
    std::map<std::string, std::vector<const swarm::TaskInfo*>> by_service;
    std::set<std::string> live;
    for (const auto& t : tasks) {
        by_service[t.service_id].push_back(&t);
        live.insert(t.id);
    }
    std::erase_if(healthy_, [&live](const std::string& id) { return !live.contains(id); });
    std::map<std::string, Seen> seen;
    std::map<std::string, std::pair<std::uint64_t, std::size_t>> counts;
    std::vector<FunctionView> views;
    bool waiting = false;
    for (const auto& s : services) {
        FunctionView v;
        v.name = s.name;
        v.namespace_ = config_.default_namespace;
        v.replicas = s.replicas;
        v.min_replicas = scale_min(s.deployment);
        v.annotations = s.deployment.annotations.value_or(openfaas::StringMap{});
        v.endpoints = ready_endpoints(by_service[s.id]);
        waiting = waiting || v.endpoints.size() != v.replicas;
        counts[s.name + "." + config_.default_namespace] = {v.replicas, v.endpoints.size()};
        seen[s.name] = Seen{s.id, v.endpoints};
        views.push_back(std::move(v));
    }
    std::sort(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    seen_ = std::move(seen);
    metrics_->report(counts);
    if (board_.set(std::move(views))) {
        log_->debug("endpoint list generation={}", board_.generation());
    }
    // A function that falls short of its replicas gets fast polling for one window: bounded, so
    // a crash-looping function does not keep the loop hot.
    if (waiting && !was_waiting_) {
        fast_until_ = std::chrono::steady_clock::now() + kFastWindow;
    }
    was_waiting_ = waiting;
}

std::vector<EndpointInfo> SwarmBackend::ready_endpoints(const std::vector<const swarm::TaskInfo*>& tasks) {
    std::vector<EndpointInfo> ready;
    for (const swarm::TaskInfo* t : tasks) {
        if (t->state != "running" || t->address.empty()) {
            continue;
        }
        if (config_.swarm_probe && !healthy_.contains(t->id)) {
            if (probing_.insert(t->id).second) {
                asio::co_spawn(ex_, probe(t->id, t->address), asio::detached);
            }
            continue;
        }
        ready.push_back(EndpointInfo{t->id, t->address, kFunctionPort});
    }
    std::sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return ready;
}

awaitable<void> SwarmBackend::probe(std::string task_id, std::string address) {
    http::Endpoint ep{address, kFunctionPort, {}};
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    bool ok = false;
    while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
        http::Request req;
        req.target = "/_/health";
        http::CallOptions opts;
        opts.timeout = kProbeTimeout;
        auto r = co_await probe_pool_.request(ep, std::move(req), opts);
        if (r && r->status == 200) {
            ok = true;
            break;
        }
        asio::steady_timer t(ex_);
        t.expires_after(config_.swarm_fast_poll);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    probing_.erase(task_id);
    if (ok) {
        log_->debug("task ready task={} address={}", task_id, address);
        healthy_.insert(task_id);
        wake_.notify();
    } else if (!stopping_) {
        log_->warn("task not ready after 60s task={} address={} (is the provider on network {}?)",
                   task_id, address, config_.function_network);
    }
}

// --- secrets ---

awaitable<Status> SwarmBackend::create_secret(const openfaas::Secret& s) {
    if (auto st = check_namespace(s.namespace_); !st) {
        co_return st;
    }
    if (!openfaas::valid_dns_label(s.name)) {
        co_return make_error(errc::bad_request, "invalid secret name \"" + s.name + "\"");
    }
    auto existing = co_await secrets_by_name(s.namespace_);
    if (!existing) {
        co_return existing.error();
    }
    if (existing->contains(s.name)) {
        co_return make_error(errc::conflict, "secret " + s.name + " already exists");
    }
    const std::string body = swarm::secret_spec(s.name, s.name, s.namespace_, s.bytes());
    auto r = co_await docker(pool_, "POST", "/secrets/create", body);
    if (!r) {
        co_return r.error();
    }
    if (r->status == 409) {
        co_return make_error(errc::conflict, "a Docker secret named " + s.name + " already exists");
    }
    if (r->status != 201 && r->status != 200) {
        co_return docker_error(*r, "creating secret " + s.name);
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        log_->warn("cannot keep a copy of secret={} error=\"{}\"", s.name, st.error().what());
    }
    log_->info("secret created name={} namespace={}", s.name, s.namespace_);
    co_return Status{};
}

awaitable<Status> SwarmBackend::update_secret(const openfaas::Secret& s) {
    if (auto st = check_namespace(s.namespace_); !st) {
        co_return st;
    }
    auto existing = co_await secrets_by_name(s.namespace_);
    if (!existing) {
        co_return existing.error();
    }
    auto old = existing->find(s.name);
    if (old == existing->end()) {
        co_return make_error(errc::not_found, "secret " + s.name + " not found");
    }
    // Docker secrets are immutable: create the new value under a new name, point every
    // function that mounts it there (same target file), then drop the old one.
    const std::string docker_name =
        s.name.substr(0, 50) + "." +
        base36(static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
    const std::string body = swarm::secret_spec(docker_name, s.name, s.namespace_, s.bytes());
    auto r = co_await docker(pool_, "POST", "/secrets/create", body);
    if (!r) {
        co_return r.error();
    }
    if (r->status != 201 && r->status != 200) {
        co_return docker_error(*r, "creating secret " + docker_name);
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        log_->warn("cannot keep a copy of secret={} error=\"{}\"", s.name, st.error().what());
    }
    auto now = co_await secrets_by_name(s.namespace_);
    if (!now) {
        co_return now.error();
    }
    auto services = co_await function_services();
    if (!services) {
        co_return services.error();
    }
    std::size_t swapped = 0;
    for (const auto& svc : *services) {
        if (!svc.secret_refs.contains(s.name)) {
            continue;
        }
        swarm::SpecOptions o;
        o.network = config_.function_network;
        o.uid = uid();
        o.provider_probe = config_.swarm_probe;
        o.replicas = svc.replicas;
        auto spec = swarm::service_spec(svc.deployment, *now, o);
        if (!spec) {
            co_return spec.error();
        }
        if (auto st = co_await update_service(svc, *spec); !st) {
            co_return st;
        }
        ++swapped;
    }
    const std::string old_target = "/secrets/" + old->second.id;
    auto del = co_await docker(pool_, "DELETE", old_target, "");
    if (del && del->status >= 300) {
        log_->debug("old secret kept name={} reason=\"{}\"", old->second.docker_name,
                    swarm::docker_message(del->body));
    }
    log_->info("secret updated name={} namespace={} functions_updated={}", s.name, s.namespace_,
               swapped);
    if (swapped > 0) {
        kick();
    }
    co_return Status{};
}

awaitable<Status> SwarmBackend::delete_secret(const std::string& ns, const std::string& name) {
    if (auto st = check_namespace(ns); !st) {
        co_return st;
    }
    const std::string target = "/secrets?" + label_filter(std::string(swarm::kSecretNameLabel) + "=" + name);
    auto body = co_await docker_get(target, "listing secrets");
    if (!body) {
        co_return body.error();
    }
    auto list = swarm::parse_secrets(*body);
    if (!list) {
        co_return list.error();
    }
    std::size_t removed = 0;
    for (const auto& sec : *list) {
        if (sec.name != name) {
            continue;
        }
        const std::string del_target = "/secrets/" + sec.id;
        auto d = co_await docker(pool_, "DELETE", del_target, "");
        if (!d) {
            co_return d.error();
        }
        if (d->status >= 300 && d->status != 404) {
            co_return docker_error(*d, "removing secret " + name);
        }
        ++removed;
    }
    if (removed == 0) {
        co_return make_error(errc::not_found, "secret " + name + " not found");
    }
    (void)store_.remove_secret(ns, name);
    log_->info("secret deleted name={} namespace={}", name, ns);
    co_return Status{};
}

awaitable<Result<std::vector<openfaas::Secret>>> SwarmBackend::list_secrets(const std::string& ns) {
    if (auto st = check_namespace(ns); !st) {
        co_return st.error();
    }
    auto found = co_await secrets_by_name(ns);
    if (!found) {
        co_return found.error();
    }
    std::vector<openfaas::Secret> out;
    for (const auto& [name, s] : *found) {
        openfaas::Secret sec;
        sec.name = name;
        sec.namespace_ = ns;
        out.push_back(std::move(sec));
    }
    co_return out;
}

awaitable<Result<std::string>> SwarmBackend::webhook_secret(const std::string& ns,
                                                            const std::string& name) {
    auto s = co_await function_in(ns, name);
    if (!s) {
        co_return s.error();
    }
    using openfaas::async::kWebhookSecretAnnotation;
    std::string secret;
    if (const auto& annotations = s->deployment.annotations) {
        if (auto it = annotations->find(std::string(kWebhookSecretAnnotation)); it != annotations->end()) {
            secret = std::string(text::trim(it->second));
        }
    }
    if (secret.empty()) {
        co_return make_error(errc::not_found, "function " + name + " has no " +
                                                  std::string(kWebhookSecretAnnotation) + " annotation");
    }
    if (!openfaas::async::valid_webhook_secret_name(secret) || !store_.secret_exists(ns, secret)) {
        co_return make_error(errc::not_found,
                             "secret " + secret + " not found in namespace " + ns +
                                 " (Docker does not hand out secret values: the provider knows "
                                 "only those created or updated through its API)");
    }
    auto bytes = read_small_file(store_.secret_path(ns, secret));
    if (!bytes) {
        co_return make_error(errc::internal, "secret " + secret + ": " + bytes.error().what());
    }
    co_return std::move(bytes).value();
}

// --- namespaces: Swarm has one ---

awaitable<std::vector<std::string>> SwarmBackend::namespaces() {
    co_return std::vector<std::string>{config_.default_namespace};
}

awaitable<Result<openfaas::FunctionNamespace>> SwarmBackend::get_namespace(const std::string& ns) {
    if (ns != config_.default_namespace) {
        co_return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    openfaas::FunctionNamespace n;
    n.name = ns;
    n.labels = openfaas::StringMap{{"openfaas", "1"}};
    co_return n;
}

awaitable<Status> SwarmBackend::create_namespace(const openfaas::FunctionNamespace& ns) {
    co_return make_error(errc::bad_request, "cannot create namespace " + ns.name +
                                                ": the Swarm back end has only " +
                                                config_.default_namespace);
}

awaitable<Status> SwarmBackend::update_namespace(const openfaas::FunctionNamespace& ns) {
    if (ns.name != config_.default_namespace) {
        co_return make_error(errc::not_found, "namespace " + ns.name + " not found");
    }
    co_return make_error(errc::bad_request, "the Swarm back end keeps no namespace labels");
}

awaitable<Status> SwarmBackend::delete_namespace(const std::string& ns) {
    if (ns != config_.default_namespace) {
        co_return make_error(errc::not_found, "namespace " + ns + " not found");
    }
    co_return make_error(errc::bad_request, "the default namespace cannot be deleted");
}

// --- logs ---

awaitable<void> SwarmBackend::stream_logs(http::Exchange& ex, http::ClientPool& client,
                                          const LogRequest& r) {
    if (r.namespace_ != config_.default_namespace || !openfaas::valid_route_name(r.name)) {
        (void)co_await ex.respond(http::text_error(404, "function " + r.name + " not found"));
        co_return;
    }
    // The handler thread's own pool: this call may stream for as long as the client follows.
    const std::string svc_target = "/services/" + r.name;
    auto svc = co_await docker(client, "GET", svc_target, "");
    if (!svc) {
        (void)co_await ex.respond(http::text_error(503, svc.error().what()));
        co_return;
    }
    auto info = svc->status == 200 ? swarm::parse_service(svc->body)
                                   : Result<swarm::ServiceInfo>(make_error(errc::not_found, ""));
    if (!info || !info->is_function || info->name != r.name) {
        (void)co_await ex.respond(http::text_error(404, "function " + r.name + " not found"));
        co_return;
    }
    std::string target = std::string(kApi) + "/services/" + info->id +
                         "/logs?stdout=1&stderr=1&timestamps=1&details=1";
    target += r.follow ? "&follow=1" : "&follow=0";
    target += "&tail=" + (r.query.tail > 0 ? std::to_string(r.query.tail) : std::string("all"));
    if (r.query.since) {
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                              r.query.since->time_since_epoch())
                              .count();
        target += "&since=" + std::to_string(secs);
    }
    http::Headers headers{{"Content-Type", "application/x-ndjson"}};
    if (!co_await ex.begin_response(200, headers, std::nullopt)) {
        co_return;
    }
    // The stream's sink cannot write to the client itself (it is not a coroutine): lines queue
    // here and this coroutine writes them while the stream runs beside it.
    struct Shared {
        explicit Shared(const asio::any_io_executor& e) : ready(e), done(e) {}
        std::deque<std::string> lines;
        std::string current;
        async::AsyncEvent ready;
        async::AsyncEvent done;
        bool client_gone = false;
    };
    const auto here = co_await asio::this_coro::executor;
    auto shared = std::make_shared<Shared>(here);
    const std::string name = r.name;
    const std::string ns = r.namespace_;
    const std::string instance = r.query.instance;
    auto demux = std::make_shared<swarm::LogDemux>(
        [shared, name, ns, instance](int /*stream*/, std::string_view line) {
            auto l = swarm::parse_log_line(line);
            if (!instance.empty() && !l.task_id.starts_with(instance)) {
                return;
            }
            shared->lines.push_back(log_line_json(name, ns, l.task_id, l.timestamp, l.text));
            shared->ready.notify();
        });
    http::Request req;
    req.target = target;
    http::StreamOptions so;
    so.head_timeout = 30s;
    auto run = [&client, this, req = std::move(req), so, shared, demux]() mutable -> awaitable<void> {
        // A named sink, not a lambda built in the co_await expression: g++ 12 destroys such a
        // by-value coroutine argument twice.
        http::BodySink sink = [shared, demux](std::string_view piece) {
            demux->feed(piece);
            return !shared->client_gone;
        };
        auto res = co_await client.stream(dockerd_, std::move(req), so, std::move(sink));
        demux->finish();
        if (res && res->status >= 300) {
            log_->warn("service logs answered status={} message=\"{}\"", res->status,
                       swarm::docker_message(res->body));
        }
        shared->done.notify();
        shared->ready.notify();
    };
    asio::co_spawn(here, std::move(run), asio::detached);
    while (true) {
        if (shared->lines.empty() && !shared->done.is_set()) {
            shared->ready.reset();
            (void)co_await shared->ready.wait_for(30s);
        }
        // No local with a destructor in this loop: g++ 12 destroys such locals twice when a
        // co_await sits beside them. The line being written lives in `shared`.
        bool ok = true;
        while (ok && !shared->lines.empty()) {
            shared->current = std::move(shared->lines.front());
            shared->lines.pop_front();
            ok = (co_await ex.write_body(shared->current)).ok();
        }
        if (!ok || stopping_) {
            shared->client_gone = true;
            break;
        }
        if (shared->done.is_set() && shared->lines.empty()) {
            break;
        }
    }
    if (!shared->client_gone) {
        (void)co_await ex.end_response();
    }
    // A follow the client left ends on dockerd's next line (the sink answers false); the stream
    // coroutine holds only the handler thread's pool and this back end, which outlive it.
}

}  // namespace faas::provider
