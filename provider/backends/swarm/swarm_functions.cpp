// Functions of the Swarm back end: each is a Swarm service (swarm_spec.hpp), and the one
// namespace Swarm has.
#include <algorithm>

#include "provider/backends/swarm/swarm_backend.hpp"
#include "provider/backends/swarm/swarm_backend_impl.hpp"
#include "provider/deployment.hpp"

namespace faas::provider::swarm {

using openfaas::FunctionDeployment;

// Deployments arrive checked (validate_deployment): only the namespace is Swarm's to check.
awaitable<Status> SwarmBackend::apply(const FunctionDeployment& d, bool create) {
    if (auto st = check_namespace(d.namespace_); !st) {
        co_return st;
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
    // An update without a scale.min label keeps the replicas the service runs now.
    const bool keep = current && !has_scale_min(d);
    const swarm::SpecOptions o = spec_options(keep ? current->replicas : scale_min(d));
    auto spec = swarm::service_spec(d, secrets, o);
    if (!spec) {
        co_return spec.error();
    }
    // Not a ?: of two co_awaits: g++ 12 miscompiles that.
    Status st;
    if (current) {
        st = co_await update_service(*current, *spec);
    } else {
        st = co_await create_service(d, *spec);
    }
    if (!st) {
        co_return st;
    }
    log_->info("{} fn={} namespace={} image={} replicas={}", current ? "update" : "deploy",
               d.service, d.namespace_, d.image, o.replicas);
    kick();
    co_return Status{};
}

awaitable<Status> SwarmBackend::deploy(const FunctionDeployment& d) {
    co_return co_await apply(d, true);
}

awaitable<Status> SwarmBackend::update(const FunctionDeployment& d) {
    co_return co_await apply(d, false);
}

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

awaitable<Result<swarm::ServiceInfo>> SwarmBackend::scale_target(const std::string& ns,
                                                                 const std::string& name) {
    const std::string& worker = config_.swarm.queue_worker_service;
    if (worker.empty() || name != worker) {
        if (auto st = check_namespace(ns); !st) {
            co_return st.error();
        }
        co_return co_await function_service(name);
    }
    const std::string target = "/services/" + name;
    const std::string what = "reading the queue-worker service " + name;
    auto body = co_await docker_get(target, what);
    if (!body) {
        co_return body.error();
    }
    co_return swarm::parse_service(*body);
}

awaitable<Status> SwarmBackend::scale(const std::string& ns,
                                      const std::string& name,
                                      std::uint64_t replicas) {
    if (replicas > 1000) {
        co_return make_error(errc::bad_request, "replicas: at most 1000");
    }
    auto svc = co_await scale_target(ns, name);
    if (!svc) {
        co_return svc.error();
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
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
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

}  // namespace faas::provider::swarm
