#include "provider/backends/factory.hpp"

#include <array>
#include <string_view>

#include "core/assert.hpp"
#include "provider/backends/kubernetes/backend.hpp"
#include "provider/backends/local/backend.hpp"
#include "provider/backends/swarm/swarm_backend.hpp"

namespace faas::provider {

namespace {

struct Kind {
    std::string_view name;
    void (*load)(const config::Env& env, Config& c);
    std::unique_ptr<FunctionBackend> (*make)(const Config& c,
                                             asio::io_context& control,
                                             log::Logger log,
                                             metrics::Registry& registry);
};

template <class B>
std::unique_ptr<FunctionBackend> make(const Config& c,
                                      asio::io_context& control,
                                      log::Logger log,
                                      metrics::Registry& registry) {
    return std::make_unique<B>(control, c, std::move(log), registry);
}

// The API server was found when the configuration was loaded (discover_api_server: in cluster
// or from a kubeconfig, docs/provider.md).
std::unique_ptr<FunctionBackend> make_kubernetes(const Config& c,
                                                 asio::io_context& control,
                                                 log::Logger log,
                                                 metrics::Registry& registry) {
    return std::make_unique<kubernetes::KubernetesBackend>(
        control, c, std::move(log), registry, kubernetes::api_target(c.kubernetes));
}

// One entry per back end.
constexpr auto kKinds = std::to_array<Kind>({
    {"local", [](const config::Env& e, Config& c) { c.local = local::load_config(e); },
     make<local::LocalBackend>},
    {"swarm", [](const config::Env& e, Config& c) { c.swarm = swarm::load_config(e); },
     make<swarm::SwarmBackend>},
    {"kubernetes",
     [](const config::Env& e, Config& c) { c.kubernetes = kubernetes::load_config(e); },
     make_kubernetes},
});

const Kind* find_kind(std::string_view name) {
    for (const Kind& k : kKinds) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}

}  // namespace

void load_backend_config(const config::Env& env, Config& c) {
    const Kind* kind = find_kind(c.backend);
    if (kind == nullptr) {
        std::string names;
        for (const Kind& k : kKinds) {
            names += names.empty() ? "" : " or ";
            names += k.name;
        }
        throw config::ConfigError("backend=" + c.backend + ": expected " + names);
    }
    kind->load(env, c);
}

std::unique_ptr<FunctionBackend> make_backend(const Config& config,
                                              asio::io_context& control,
                                              log::Logger log,
                                              metrics::Registry& registry) {
    const Kind* kind = find_kind(config.backend);
    FAAS_ASSERT(kind != nullptr);
    return kind->make(config, control, std::move(log), registry);
}

}  // namespace faas::provider
