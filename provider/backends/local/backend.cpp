#include "provider/backends/local/backend.hpp"

#include <algorithm>
#include <system_error>

#include "core/json/json.hpp"
#include "core/text/text.hpp"
#include "provider/backends/local/launcher.hpp"
#include "provider/backends/local/replica.hpp"
#include "provider/deployment.hpp"

namespace faas::provider::local {

namespace fs = std::filesystem;
using openfaas::FunctionDeployment;

LocalBackend::LocalBackend(asio::io_context& control, const Config& config, log::Logger log,
                 metrics::Registry& registry)
    : control_(control),
      ex_(control.get_executor()),
      config_(config),
      log_(std::move(log)),
      metrics_(std::make_unique<BackendMetrics>(registry)),
      store_(config.state_dir),
      logs_(ex_, config.local.log_lines),
      limiter_(Limiter::detect()),
      tasks_(ex_),
      client_(ex_),
      base_env_(process::current_environment()),
      board_(ex_) {}

LocalBackend::~LocalBackend() = default;

Status LocalBackend::start() {
    if (auto st = store_.init(); !st) {
        return st;
    }
    log_->info("state dir={}", store_.dir().string());
    log_->info("limits mode={} detail=\"{}\"", limit_mode_name(limiter_.mode()),
               limiter_.describe());
    limiter_.remove_stale();
    // Replica working space from a previous run is stale: its processes died with it.
    std::error_code ec;
    fs::remove_all(store_.replicas_dir(), ec);
    fs::create_directories(store_.replicas_dir(), ec);

    mount_secrets_ = probe_secret_mount(config_.local.self_path);
    if (mount_secrets_) {
        log_->info("secrets mode=bind-mount path={}", kSecretsPath);
    } else {
        log_->warn(
            "secrets mode=env-fallback reason=\"not root or no mount namespace\" detail=\"{} is "
            "not mounted; functions find their secrets through $OPENFAAS_SECRETS_DIR and "
            "$secret_mount_path\"",
            kSecretsPath);
    }

    std::vector<std::string> errors;
    for (auto& ns : store_.load_namespaces(errors)) {
        namespaces_[ns.name] = ns;
    }
    auto stored = store_.load_functions(errors);
    for (const auto& e : errors) {
        log_->error("state unreadable error=\"{}\"", e);
    }
    for (auto& f : stored) {
        log_->info("restore fn={} namespace={} replicas={}", f.deployment.service,
                   f.deployment.namespace_, f.replicas);
        auto lim = parse_limits(f.deployment.limits);
        auto fn = add_function(std::move(f));
        if (lim) {
            fn->limits = *lim;
        }
        reconcile(fn);
    }
    publish();
    return {};
}

awaitable<void> LocalBackend::shutdown() {
    shutting_down_ = true;
    board_.wake_all();
    logs_.wake_all();
    for (auto& [key, fn] : functions_) {
        fn->deleted = true;
        for (auto& r : fn->replicas) {
            stop_replica(fn, r, "provider shutdown");
        }
    }
    publish();
    tasks_.close();
    co_await tasks_.wait();
    functions_.clear();
}

// --- functions ---

LocalBackend::Function* LocalBackend::find(const std::string& ns, const std::string& name) const {
    auto it = functions_.find(ns + "/" + name);
    if (it == functions_.end() || it->second->deleted) {
        return nullptr;
    }
    return it->second.get();
}

bool LocalBackend::namespace_known(const std::string& ns) const {
    return ns == config_.default_namespace || namespaces_.contains(ns);
}

Status LocalBackend::check_deployment(const FunctionDeployment& d) const {
    if (!namespace_known(d.namespace_)) {
        return make_error(errc::bad_request, "namespace \"" + d.namespace_ +
                                                 "\" is not an OpenFaaS namespace (create it "
                                                 "with POST /system/namespace/)");
    }
    for (const auto& s : d.secrets) {
        if (!openfaas::valid_dns_label(s) || !store_.secret_exists(d.namespace_, s)) {
            return make_error(errc::bad_request, "secret \"" + s + "\" not found in namespace " +
                                                     d.namespace_);
        }
    }
    return {};
}

LocalBackend::FunctionPtr LocalBackend::add_function(StoredFunction stored) {
    auto fn = std::make_shared<Function>();
    fn->stored = std::move(stored);
    fn->key = fn->ns() + "/" + fn->name();
    fn->log_key = fn->name() + "." + fn->ns();
    fn->min_replicas = scale_min(fn->stored.deployment);
    functions_[fn->key] = fn;
    metrics_->functions.Set(static_cast<double>(functions_.size()));
    metrics_->replicas.Add({{"function_name", fn->log_key}})
        .Set(static_cast<double>(fn->stored.replicas));
    return fn;
}

void LocalBackend::warn_small_limit(const Function& fn) const {
    if (fn.limits.memory_bytes && *fn.limits.memory_bytes < kWatchdogMinMemory) {
        log_->warn(
            "memory limit below what fwatchdog needs fn={} namespace={} memory={} "
            "min_bytes={}: the replica will likely be killed at start (see its logs)",
            fn.name(), fn.ns(), fn.stored.deployment.limits->memory, kWatchdogMinMemory);
    }
}

void LocalBackend::persist(const Function& fn) {
    if (auto st = store_.save_function(fn.stored); !st) {
        log_->error("state write failed fn={} error=\"{}\"", fn.name(), st.error().what());
    }
}

awaitable<Status> LocalBackend::deploy(const FunctionDeployment& d) {
    if (auto st = check_deployment(d); !st) {
        co_return st;
    }
    if (find(d.namespace_, d.service) != nullptr) {
        co_return make_error(errc::conflict, "function " + d.service +
                                                 " already exists in namespace " + d.namespace_);
    }
    StoredFunction f;
    f.created_at = openfaas::rfc3339_now();
    f.replicas = scale_min(d);
    f.deployment = d;
    auto fn = add_function(std::move(f));
    fn->limits = parse_limits(fn->stored.deployment.limits).value();
    persist(*fn);
    log_->info("deploy fn={} namespace={} replicas={}", fn->name(), fn->ns(), fn->stored.replicas);
    warn_small_limit(*fn);
    reconcile(fn);
    publish();
    co_return Status{};
}

awaitable<Status> LocalBackend::update(const FunctionDeployment& d) {
    if (namespace_known(d.namespace_) && find(d.namespace_, d.service) == nullptr) {
        co_return make_error(errc::not_found, "function " + d.service +
                                                  " not found in namespace " + d.namespace_);
    }
    if (auto st = check_deployment(d); !st) {
        co_return st;
    }
    FunctionPtr fn = functions_.at(d.namespace_ + "/" + d.service);
    if (has_scale_min(d)) {
        fn->stored.replicas = scale_min(d);
    }
    fn->stored.deployment = d;
    fn->min_replicas = scale_min(fn->stored.deployment);
    fn->limits = parse_limits(fn->stored.deployment.limits).value();
    warn_small_limit(*fn);
    ++fn->version;
    fn->rolled_out = fn->stored.replicas == 0;
    persist(*fn);
    log_->info("update fn={} namespace={} version={} replicas={}", fn->name(), fn->ns(),
               fn->version, fn->stored.replicas);
    metrics_->replicas.Add({{"function_name", fn->log_key}})
        .Set(static_cast<double>(fn->stored.replicas));
    reconcile(fn);
    publish();
    co_return Status{};
}

awaitable<Status> LocalBackend::remove(const std::string& ns, const std::string& name) {
    auto it = functions_.find(ns + "/" + name);
    if (it == functions_.end() || it->second->deleted) {
        co_return make_error(errc::not_found, "function " + name + " not found in namespace " + ns);
    }
    FunctionPtr fn = it->second;
    fn->deleted = true;
    if (auto st = store_.remove_function(ns, name); !st) {
        log_->error("state remove failed fn={} error=\"{}\"", name, st.error().what());
    }
    log_->info("delete fn={} namespace={} replicas={}", name, ns, fn->replicas.size());
    for (auto& r : fn->replicas) {
        stop_replica(fn, r, "function deleted");
    }
    // Its replicas drain in the background (their tasks hold the Function); the name is free
    // for a new deploy at once.
    functions_.erase(fn->key);
    logs_.erase(fn->log_key);
    metrics_->replicas.Remove(&metrics_->replicas.Add({{"function_name", fn->log_key}}));
    metrics_->available.Remove(&metrics_->available.Add({{"function_name", fn->log_key}}));
    metrics_->functions.Set(static_cast<double>(functions_.size()));
    publish();
    co_return Status{};
}

awaitable<Status> LocalBackend::scale(const std::string& ns, const std::string& name,
                                       std::uint64_t replicas) {
    auto it = functions_.find(ns + "/" + name);
    if (it == functions_.end() || it->second->deleted) {
        co_return make_error(errc::not_found, "function " + name + " not found in namespace " + ns);
    }
    if (replicas > 1000) {
        co_return make_error(errc::bad_request, "replicas: at most 1000 on the local back end");
    }
    FunctionPtr fn = it->second;
    if (fn->stored.replicas != replicas) {
        log_->info("scale fn={} namespace={} from={} to={}", name, ns, fn->stored.replicas,
                   replicas);
        fn->stored.replicas = replicas;
        persist(*fn);
        metrics_->replicas.Add({{"function_name", fn->log_key}})
            .Set(static_cast<double>(replicas));
    }
    reconcile(fn);
    publish();
    co_return Status{};
}

awaitable<Result<std::vector<openfaas::FunctionStatus>>> LocalBackend::list(
    const std::string& ns) {
    if (!namespace_known(ns)) {
        co_return make_error(errc::bad_request,
                             "namespace \"" + ns + "\" is not an OpenFaaS namespace");
    }
    std::vector<openfaas::FunctionStatus> out;
    for (const auto& [key, fn] : functions_) {
        if (fn->deleted || fn->ns() != ns) {
            continue;
        }
        out.push_back(status_of(*fn));
    }
    co_return out;
}

awaitable<Result<openfaas::FunctionStatus>> LocalBackend::status(const std::string& ns,
                                                                 const std::string& name) {
    const Function* fn = find(ns, name);
    if (fn == nullptr) {
        co_return make_error(errc::not_found, "function " + name + " not found");
    }
    co_return status_of(*fn);
}

openfaas::FunctionStatus LocalBackend::status_of(const Function& fn) const {
    auto s = openfaas::status_from(fn.stored.deployment);
    s.replicas = fn.stored.replicas;
    s.available_replicas = ready_endpoints(fn).size();
    s.created_at = fn.stored.created_at;
    return s;
}

std::optional<http::Endpoint> LocalBackend::pick(const std::string& ns, const std::string& name) {
    const Function* fn = find(ns, name);
    if (fn == nullptr) {
        return std::nullopt;
    }
    auto eps = ready_endpoints(*fn);
    if (eps.empty()) {
        return std::nullopt;
    }
    const auto& e = eps[rr_++ % eps.size()];
    return http::Endpoint{e.address, e.port};
}

// --- replicas: reconcile and the endpoint list ---

std::vector<EndpointInfo> LocalBackend::ready_endpoints(const Function& fn) const {
    if (fn.deleted) {
        return {};
    }
    std::vector<EndpointInfo> current;
    std::vector<EndpointInfo> old;
    for (const auto& r : fn.replicas) {
        if (!r->serving()) {
            continue;
        }
        EndpointInfo e{r->id, "127.0.0.1", r->port};
        (r->version == fn.version ? current : old).push_back(std::move(e));
    }
    // During a rolling update the old replicas serve until every new one is ready; then the
    // new set replaces them in one generation.
    if (!fn.rolled_out && !old.empty()) {
        return old;
    }
    return current;
}

void LocalBackend::reconcile(const FunctionPtr& fn) {
    if (fn->deleted || shutting_down_) {
        return;
    }
    std::vector<ReplicaPtr> current;
    for (const auto& r : fn->replicas) {
        if (r->version == fn->version && !r->stop_requested) {
            current.push_back(r);
        }
    }
    const std::uint64_t desired = fn->stored.replicas;
    if (!fn->rolled_out) {
        const auto ready = static_cast<std::uint64_t>(std::count_if(
            current.begin(), current.end(), [](const ReplicaPtr& r) { return r->serving(); }));
        if (ready >= desired) {
            fn->rolled_out = true;
            log_->info("rollout complete fn={} namespace={} version={}", fn->name(), fn->ns(),
                       fn->version);
        }
    }
    if (fn->rolled_out) {
        // Copy: stop_replica() may erase from fn->replicas.
        auto all = fn->replicas;
        for (const auto& r : all) {
            if (r->version != fn->version && !r->stop_requested) {
                stop_replica(fn, r, "replaced by update");
            }
        }
    }
    for (auto n = current.size(); n < desired; ++n) {
        start_replica(fn);
    }
    if (current.size() > desired) {
        // Stop the ones not serving yet first, then the newest.
        std::stable_sort(current.begin(), current.end(),
                         [](const ReplicaPtr& a, const ReplicaPtr& b) {
                             return a->serving() && !b->serving();
                         });
        for (auto i = desired; i < current.size(); ++i) {
            stop_replica(fn, current[i], "scale down");
        }
    }
}

void LocalBackend::publish() {
    std::vector<FunctionView> views;
    views.reserve(functions_.size());
    for (const auto& [key, fn] : functions_) {
        if (fn->deleted) {
            continue;
        }
        FunctionView v;
        v.name = fn->name();
        v.namespace_ = fn->ns();
        v.replicas = fn->stored.replicas;
        v.min_replicas = fn->min_replicas;
        v.endpoints = ready_endpoints(*fn);
        v.annotations = fn->stored.deployment.annotations.value_or(openfaas::StringMap{});
        metrics_->available.Add({{"function_name", fn->log_key}})
            .Set(static_cast<double>(v.endpoints.size()));
        views.push_back(std::move(v));
    }
    board_.set(std::move(views));
}


}  // namespace faas::provider::local
