// Prometheus and AlertManager in compose/kubernetes do what compose/ configures for Swarm: the
// same alert rule, the same scrape jobs (on Kubernetes names that exist), the same routing to
// the gateway's /system/alert with the gateway's credentials, files mounted where read.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>

#include "tests/integration/manifests/query.hpp"
#include "tests/integration/manifests/rendered.hpp"
#include "tests/support/temp_dir.hpp"

namespace m = faas::test::manifests;

namespace {

std::string compose_file(const char* name) {
    return faas::test::read_file(m::source_dir() / "compose" / name);
}

// The ConfigMap a workload's volume `volume` names, and the mount path of that volume.
struct MountedConfig {
    const m::Object* config_map = nullptr;
    std::string mount_path;
};

MountedConfig mounted_config(const std::vector<m::Object>& objects, const m::PodTemplate& t) {
    MountedConfig out;
    std::string volume;
    for (const YAML::Node& v : t.spec["volumes"]) {
        const std::string name = m::scalar(v, {"configMap", "name"});
        if (!name.empty()) {
            out.config_map = m::find(objects, "ConfigMap", t.owner->ns, name);
            volume = m::scalar(v, {"name"});
        }
    }
    for (const YAML::Node& mount : t.spec["containers"][0]["volumeMounts"]) {
        if (m::scalar(mount, {"name"}) == volume) {
            out.mount_path = m::scalar(mount, {"mountPath"});
        }
    }
    return out;
}

// The value of a `--flag=value` argument of the pod's first container.
std::string flag(const m::PodTemplate& t, const std::string& name) {
    for (const std::string& arg : m::strings(t.spec["containers"][0]["args"])) {
        if (arg.starts_with(name + "=")) {
            return arg.substr(name.size() + 1);
        }
    }
    return "";
}

// A config file from a ConfigMap that the pod's --config.file names, parsed.
YAML::Node config_file(const std::vector<m::Object>& objects, const std::string& workload) {
    const m::PodTemplate t = m::pod_template(objects, "Deployment", workload);
    const MountedConfig mc = mounted_config(objects, t);
    REQUIRE(mc.config_map != nullptr);
    const std::filesystem::path file = flag(t, "--config.file");
    CHECK(file.parent_path() == mc.mount_path);
    const std::string text = m::scalar(mc.config_map->node, {"data", file.filename().c_str()});
    REQUIRE_FALSE(text.empty());
    return YAML::Load(text);
}

// Scrape jobs by name.
std::map<std::string, YAML::Node> jobs(const YAML::Node& prometheus) {
    std::map<std::string, YAML::Node> out;
    for (const YAML::Node& job : prometheus["scrape_configs"]) {
        out.emplace(m::scalar(job, {"job_name"}), job);
    }
    return out;
}

}  // namespace

TEST_SUITE_BEGIN("manifests.config");

TEST_CASE("manifests: Prometheus evaluates compose/'s alert rule and scrapes the same jobs") {
    const std::vector<m::Object> objects = m::render();
    const YAML::Node ours = config_file(objects, "prometheus");
    const YAML::Node swarm = YAML::Load(compose_file("prometheus.yml"));
    CHECK(m::to_json(ours["global"]) == m::to_json(swarm["global"]));
    CHECK(m::to_json(ours["alerting"]) == m::to_json(swarm["alerting"]));
    CHECK(m::find(objects, "Service", "openfaas", "alertmanager") != nullptr);

    // The rule file is compose/'s, byte for byte, at the path rule_files names.
    const std::filesystem::path rules = m::strings(ours["rule_files"]).at(0);
    CHECK(m::strings(ours["rule_files"]) == m::strings(swarm["rule_files"]));
    const m::PodTemplate t = m::pod_template(objects, "Deployment", "prometheus");
    const MountedConfig mc = mounted_config(objects, t);
    REQUIRE(mc.config_map != nullptr);
    CHECK(rules.parent_path() == mc.mount_path);
    CHECK(m::scalar(mc.config_map->node, {"data", rules.filename().c_str()}) ==
          compose_file("alert.rules.yml"));

    const auto ours_jobs = jobs(ours);
    const auto swarm_jobs = jobs(swarm);
    REQUIRE(ours_jobs.size() == swarm_jobs.size());
    for (const auto& entry : swarm_jobs) {
        const std::string& name = entry.first;
        const YAML::Node& job = entry.second;
        CAPTURE(name);
        REQUIRE(ours_jobs.contains(name));
        const YAML::Node& k8s = ours_jobs.at(name);
        CHECK(m::scalar(k8s, {"scrape_interval"}) == m::scalar(job, {"scrape_interval"}));
        CHECK(m::to_json(k8s["static_configs"]) == m::to_json(job["static_configs"]));
        if (!job["dns_sd_configs"]) {
            continue;
        }
        const YAML::Node sd = k8s["dns_sd_configs"][0];
        CHECK(m::scalar(sd, {"port"}) == m::scalar(job["dns_sd_configs"][0], {"port"}));
        CHECK(m::scalar(sd, {"type"}) == "A");
        // One A record per pod needs a headless Service of that name, on the scraped port.
        const m::Object* svc =
            m::find(objects, "Service", "openfaas", m::strings(sd["names"]).at(0));
        REQUIRE(svc != nullptr);
        CHECK(m::scalar(svc->node, {"spec", "clusterIP"}) == "None");
        bool port = false;
        for (const YAML::Node& p : svc->node["spec"]["ports"]) {
            port = port || m::scalar(p, {"port"}) == m::scalar(sd, {"port"});
        }
        CHECK(port);
    }
}

TEST_CASE("manifests: AlertManager routes as compose/ does, to the gateway, with its password") {
    const std::vector<m::Object> objects = m::render();
    const YAML::Node ours = config_file(objects, "alertmanager");
    // The gateway runs with basic_auth=true here: the Swarm file for that case.
    const YAML::Node swarm = YAML::Load(compose_file("alertmanager.auth.yml"));
    CHECK(m::to_json(ours["route"]) == m::to_json(swarm["route"]));
    REQUIRE(ours["receivers"].size() == 1);
    const YAML::Node hook = ours["receivers"][0]["webhook_configs"][0];
    const YAML::Node swarm_hook = swarm["receivers"][0]["webhook_configs"][0];
    CHECK(m::scalar(ours["receivers"][0], {"name"}) == m::scalar(swarm["route"], {"receiver"}));
    CHECK(m::scalar(hook, {"url"}) == m::scalar(swarm_hook, {"url"}));
    CHECK(m::scalar(hook, {"send_resolved"}) == "true");
    CHECK(m::find(objects, "Service", "openfaas", "gateway") != nullptr);
    CHECK(m::scalar(hook, {"http_config", "basic_auth", "username"}) ==
          m::scalar(swarm_hook, {"http_config", "basic_auth", "username"}));

    // password_file is the Secret's basic-auth-password where the pod mounts the Secret.
    const std::filesystem::path password =
        m::scalar(hook, {"http_config", "basic_auth", "password_file"});
    CHECK(password.filename() == "basic-auth-password");
    const m::PodTemplate t = m::pod_template(objects, "Deployment", "alertmanager");
    std::string secret_volume;
    for (const YAML::Node& v : t.spec["volumes"]) {
        if (m::scalar(v, {"secret", "secretName"}) == "basic-auth") {
            secret_volume = m::scalar(v, {"name"});
        }
    }
    REQUIRE_FALSE(secret_volume.empty());
    bool mounted = false;
    for (const YAML::Node& mount : t.spec["containers"][0]["volumeMounts"]) {
        mounted = mounted || (m::scalar(mount, {"name"}) == secret_volume &&
                              m::scalar(mount, {"mountPath"}) == password.parent_path());
    }
    CHECK(mounted);
}

TEST_SUITE_END();
