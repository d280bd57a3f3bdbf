// The Docker Swarm mapping (provider/swarm_spec.hpp): what dockerd receives for a deployment and
// what the provider reads back from the Engine API's JSON.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "provider/backends/swarm/swarm_spec.hpp"
#include "tests/support/printers.hpp"

namespace swarm = faas::provider::swarm;
using faas::openfaas::FunctionDeployment;
using faas::openfaas::StringMap;

namespace {

FunctionDeployment sample() {
    FunctionDeployment d;
    d.service = "hash";
    d.namespace_ = "openfaas-fn";
    d.image = "functions/alpine:latest";
    d.env_process = "sha512sum";
    d.env_vars = StringMap{{"write_debug", "true"}};
    d.labels = StringMap{{"com.openfaas.scale.min", "2"}, {"team", "a"}};
    d.annotations = StringMap{{"topic", "orders"}};
    d.secrets = {"api-key"};
    d.limits = faas::openfaas::FunctionResources{"64Mi", "100m", {}};
    d.requests = faas::openfaas::FunctionResources{"16Mi", "", {}};
    d.read_only_root_filesystem = true;
    return d;
}

std::map<std::string, swarm::DockerSecret> secrets() {
    return {{"api-key", swarm::DockerSecret{"sid1", "api-key.x1", "api-key", "openfaas-fn", ""}}};
}

std::string get(simdjson::dom::element e, const char* path) {
    std::string_view v;
    REQUIRE(e.at_pointer(path).get(v) == simdjson::SUCCESS);
    return std::string(v);
}

std::uint64_t num(simdjson::dom::element e, const char* path) {
    std::uint64_t v = 0;
    REQUIRE(e.at_pointer(path).get(v) == simdjson::SUCCESS);
    return v;
}

}  // namespace

TEST_SUITE("provider swarm mapping") {

TEST_CASE("swarm: a deployment becomes a replicated dnsrr service on the functions network") {
    swarm::SpecOptions o;
    o.network = "functions";
    o.replicas = 2;
    o.uid = "123";
    auto spec = swarm::service_spec(sample(), secrets(), o);
    REQUIRE(spec.ok());
    auto doc = faas::json::parse(*spec);
    REQUIRE(doc.ok());
    auto root = doc->root();
    CHECK(get(root, "/Name") == "hash");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Image") == "functions/alpine:latest");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Env/0") == "fprocess=sha512sum");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Env/1") == "write_debug=true");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Env/2") == "healthcheck_interval=2s");
    CHECK(get(root, "/Labels/com.openfaas.function") == "hash");
    CHECK(get(root, "/Labels/function") == "true");
    CHECK(get(root, "/Labels/team") == "a");
    CHECK(get(root, "/Labels/com.openfaas.annotations.topic") == "orders");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Labels/com.openfaas.uid") == "123");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Secrets/0/File/Name") ==
          "/var/openfaas/secrets/api-key");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Secrets/0/SecretID") == "sid1");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Secrets/0/SecretName") == "api-key.x1");
    CHECK(num(root, "/TaskTemplate/Resources/Limits/NanoCPUs") == 100000000U);
    CHECK(num(root, "/TaskTemplate/Resources/Limits/MemoryBytes") == 64U << 20U);
    CHECK(num(root, "/TaskTemplate/Resources/Reservations/MemoryBytes") == 16U << 20U);
    CHECK(get(root, "/TaskTemplate/Placement/Constraints/0") == "node.platform.os == linux");
    CHECK(get(root, "/TaskTemplate/Networks/0/Target") == "functions");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Mounts/0/Target") == "/tmp");
    CHECK(get(root, "/TaskTemplate/ContainerSpec/Healthcheck/Test/0") == "NONE");
    CHECK(num(root, "/Mode/Replicated/Replicas") == 2);
    CHECK(get(root, "/EndpointSpec/Mode") == "dnsrr");
    CHECK(get(root, "/UpdateConfig/Order") == "start-first");
}

TEST_CASE("swarm: a missing secret, a clashing annotation and a bad quantity are 400s") {
    swarm::SpecOptions o;
    o.network = "functions";
    auto no_secret = swarm::service_spec(sample(), {}, o);
    REQUIRE_FALSE(no_secret.ok());
    CHECK(no_secret.error().code == faas::errc::bad_request);
    CHECK(no_secret.error().what().find("api-key") != std::string::npos);

    auto clash = sample();
    clash.labels->emplace("com.openfaas.annotations.topic", "x");
    auto c = swarm::service_spec(clash, secrets(), o);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == faas::errc::bad_request);

    auto bad = sample();
    bad.limits->cpu = "lots";
    auto b = swarm::service_spec(bad, secrets(), o);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code == faas::errc::bad_request);
}

TEST_CASE("swarm: a service read back gives the deployment exactly as it was deployed") {
    swarm::SpecOptions o;
    o.network = "functions";
    o.replicas = 2;
    o.uid = "1";
    auto spec = swarm::service_spec(sample(), secrets(), o);
    REQUIRE(spec.ok());
    const std::string service =
        R"({"ID":"svc1","Version":{"Index":42},"CreatedAt":"2026-12-02T10:00:00.5Z","Spec":)" +
        *spec + "}";
    auto s = swarm::parse_service(service);
    REQUIRE(s.ok());
    CHECK(s->id == "svc1");
    CHECK(s->version == 42);
    CHECK(s->name == "hash");
    CHECK(s->replicas == 2);
    CHECK(s->is_function);
    CHECK(s->created_at == "2026-12-02T10:00:00.5Z");
    CHECK(s->deployment.image == "functions/alpine:latest");
    CHECK(s->deployment.limits->memory == "64Mi");
    CHECK(s->deployment.limits->cpu == "100m");
    CHECK(s->deployment.secrets == std::vector<std::string>{"api-key"});
    CHECK(s->deployment.annotations->at("topic") == "orders");
    CHECK(s->secret_refs.at("api-key") == "api-key.x1");

    auto scaled = swarm::with_replicas(s->spec_json, 5);
    REQUIRE(scaled.ok());
    auto again = swarm::parse_service(R"({"ID":"svc1","Spec":)" + *scaled + "}");
    REQUIRE(again.ok());
    CHECK(again->replicas == 5);
    CHECK(again->deployment.image == "functions/alpine:latest");
    CHECK(again->secret_refs.at("api-key") == "api-key.x1");
}

TEST_CASE("swarm: a function service made by another tool is read from its spec") {
    const std::string service = R"({"ID":"s","Version":{"Index":1},"Spec":{"Name":"figlet",
      "Labels":{"com.openfaas.function":"figlet","function":"true","team":"b",
                "com.openfaas.annotations.topic":"t1"},
      "TaskTemplate":{"ContainerSpec":{"Image":"functions/figlet:0.1",
                                       "Env":["fprocess=figlet","A=1"]}},
      "Mode":{"Replicated":{"Replicas":1}}}})";
    auto s = swarm::parse_service(service);
    REQUIRE(s.ok());
    CHECK(s->deployment.env_process == "figlet");
    CHECK(s->deployment.env_vars->at("A") == "1");
    CHECK(s->deployment.labels->at("team") == "b");
    CHECK_FALSE(s->deployment.labels->contains("function"));
    CHECK(s->deployment.annotations->at("topic") == "t1");
}

TEST_CASE("swarm: tasks give their address on the functions network only") {
    const std::string tasks = R"([
      {"ID":"t1","ServiceID":"s","DesiredState":"running","Status":{"State":"running",
        "ContainerStatus":{"ContainerID":"c1"}},
       "NetworksAttachments":[{"Network":{"ID":"n0","Spec":{"Name":"ingress"}},
                               "Addresses":["10.0.0.5/24"]},
                              {"Network":{"ID":"n1","Spec":{"Name":"functions"}},
                               "Addresses":["10.0.1.7/24"]}]},
      {"ID":"t2","ServiceID":"s","DesiredState":"running","Status":{"State":"starting","Err":""}}
    ])";
    auto t = swarm::parse_tasks(tasks, "functions");
    REQUIRE(t.ok());
    REQUIRE(t->size() == 2);
    CHECK((*t)[0].address == "10.0.1.7");
    CHECK((*t)[0].state == "running");
    CHECK((*t)[0].container_id == "c1");
    CHECK((*t)[1].address.empty());
    CHECK((*t)[1].state == "starting");
    CHECK_FALSE(swarm::parse_tasks("{}", "functions").ok());
}

TEST_CASE("swarm: only secrets owned by openfaas are listed, with their OpenFaaS names") {
    const std::string body = R"([
      {"ID":"a","CreatedAt":"2026-01-01T00:00:00Z","Spec":{"Name":"api-key",
        "Labels":{"com.openfaas.owner":"openfaas","com.openfaas.secret":"api-key"}}},
      {"ID":"b","CreatedAt":"2026-01-01T00:00:00Z","Spec":{"Name":"other","Labels":{}}}
    ])";
    auto s = swarm::parse_secrets(body);
    REQUIRE(s.ok());
    REQUIRE(s->size() == 1);
    CHECK((*s)[0].id == "a");
    CHECK((*s)[0].name == "api-key");
    auto spec = swarm::secret_spec("api-key.x", "api-key", "openfaas-fn", "s3cr3t");
    auto doc = faas::json::parse(spec);
    REQUIRE(doc.ok());
    CHECK(get(doc->root(), "/Data") == "czNjcjN0");
    CHECK(get(doc->root(), "/Labels/com.openfaas.secret") == "api-key");
}

TEST_CASE("swarm: the log stream is split into frames and lines, in pieces of any size") {
    auto frame = [](int stream, const std::string& payload) {
        std::string f(8, '\0');
        f[0] = static_cast<char>(stream);
        const auto n = static_cast<std::uint32_t>(payload.size());
        f[4] = static_cast<char>(n >> 24U);
        f[5] = static_cast<char>((n >> 16U) & 0xffU);
        f[6] = static_cast<char>((n >> 8U) & 0xffU);
        f[7] = static_cast<char>(n & 0xffU);
        return f + payload;
    };
    const std::string wire =
        frame(1, "2026-12-02T10:00:00.000000001Z com.docker.swarm.node.id=n,"
                 "com.docker.swarm.service.id=s,com.docker.swarm.task.id=t9 hello\n") +
        frame(2, "2026-12-02T10:00:01Z x oops ") + frame(2, "more\n") +
        frame(1, "tail without newline");
    for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, wire.size()}) {
        std::vector<std::pair<int, std::string>> lines;
        swarm::LogDemux demux(
            [&lines](int s, std::string_view l) { lines.emplace_back(s, std::string(l)); });
        for (std::size_t i = 0; i < wire.size(); i += step) {
            demux.feed(std::string_view(wire).substr(i, step));
        }
        demux.finish();
        REQUIRE(lines.size() == 3);
        CHECK(lines[0].first == 1);
        CHECK(lines[1].first == 2);
        CHECK(lines[1].second == "2026-12-02T10:00:01Z x oops more");
        CHECK(lines[2].second == "tail without newline");
        auto l = swarm::parse_log_line(lines[0].second);
        CHECK(l.timestamp == "2026-12-02T10:00:00.000000001Z");
        CHECK(l.task_id == "t9");
        CHECK(l.text == "hello");
    }
}

TEST_CASE("swarm: dockerd's error message is taken from its JSON body") {
    CHECK(swarm::docker_message(R"({"message":"network functions not found"})") ==
          "network functions not found");
    CHECK(swarm::docker_message("plain text\n") == "plain text");
}

}
