// Secrets of the Swarm back end: Docker secrets, which are immutable, plus the provider's own
// copy of each value (Docker does not hand values out; the gateway's webhook check needs them).
#include "provider/backends/swarm/swarm_backend.hpp"
#include "provider/backends/swarm/swarm_backend_impl.hpp"

namespace faas::provider::swarm {

namespace {

std::string base36(std::uint64_t v) {
    std::string out;
    do {
        const auto d = static_cast<char>(v % 36);
        out.insert(out.begin(),
                   d < 10 ? static_cast<char>('0' + d) : static_cast<char>('a' + d - 10));
        v /= 36;
    } while (v != 0);
    return out;
}

}  // namespace

awaitable<Status> SwarmBackend::create_docker_secret(const openfaas::Secret& s,
                                                     const std::string& docker_name) {
    const std::string body = swarm::secret_spec(docker_name, s.name, s.namespace_, s.bytes());
    auto r = co_await docker(pool_, "POST", "/secrets/create", body);
    if (!r) {
        co_return r.error();
    }
    if (r->status == 409) {
        co_return make_error(errc::conflict,
                             "a Docker secret named " + docker_name + " already exists");
    }
    if (r->status != 201 && r->status != 200) {
        co_return docker_error(*r, "creating secret " + docker_name);
    }
    if (auto st = store_.write_secret(s.namespace_, s.name, s.bytes()); !st) {
        log_->warn("cannot keep a copy of secret={} error=\"{}\"", s.name, st.error().what());
    }
    co_return Status{};
}

// Secret names arrive checked (validate_secret).
awaitable<Status> SwarmBackend::create_secret(const openfaas::Secret& s) {
    if (auto st = check_namespace(s.namespace_); !st) {
        co_return st;
    }
    auto existing = co_await secrets_by_name(s.namespace_);
    if (!existing) {
        co_return existing.error();
    }
    if (existing->contains(s.name)) {
        co_return make_error(errc::conflict, "secret " + s.name + " already exists");
    }
    if (auto st = co_await create_docker_secret(s, s.name); !st) {
        co_return st;
    }
    log_->info("secret created name={} namespace={}", s.name, s.namespace_);
    co_return Status{};
}

awaitable<Result<std::size_t>> SwarmBackend::swap_secret(const std::string& ns,
                                                         const std::string& name) {
    auto now = co_await secrets_by_name(ns);
    if (!now) {
        co_return now.error();
    }
    auto services = co_await function_services();
    if (!services) {
        co_return services.error();
    }
    std::size_t swapped = 0;
    for (const auto& svc : *services) {
        if (!svc.secret_refs.contains(name)) {
            continue;
        }
        auto spec = swarm::service_spec(svc.deployment, *now, spec_options(svc.replicas));
        if (!spec) {
            co_return spec.error();
        }
        if (auto st = co_await update_service(svc, *spec); !st) {
            co_return st.error();
        }
        ++swapped;
    }
    co_return swapped;
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
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    const std::string docker_name =
        s.name.substr(0, 50) + "." + base36(static_cast<std::uint64_t>(now));
    if (auto st = co_await create_docker_secret(s, docker_name); !st) {
        co_return st;
    }
    auto swapped = co_await swap_secret(s.namespace_, s.name);
    if (!swapped) {
        co_return swapped.error();
    }
    const std::string old_target = "/secrets/" + old->second.id;
    auto del = co_await docker(pool_, "DELETE", old_target, "");
    if (del && del->status >= 300) {
        log_->debug("old secret kept name={} reason=\"{}\"", old->second.docker_name,
                    swarm::docker_message(del->body));
    }
    log_->info("secret updated name={} namespace={} functions_updated={}", s.name, s.namespace_,
               *swapped);
    if (*swapped > 0) {
        kick();
    }
    co_return Status{};
}

awaitable<Status> SwarmBackend::delete_secret(const std::string& ns, const std::string& name) {
    if (auto st = check_namespace(ns); !st) {
        co_return st;
    }
    const std::string label = std::string(swarm::kSecretNameLabel) + "=" + name;
    auto list = co_await docker_secrets(label);
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
    co_return read_webhook_secret(store_, ns, s->deployment,
                                  " (Docker does not hand out secret values: the provider knows "
                                  "only those created or updated through its API)");
}

}  // namespace faas::provider::swarm
