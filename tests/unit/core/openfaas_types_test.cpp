// core/openfaas: the faas-provider JSON shapes as Go's encoding/json reads and writes them.
#include <doctest/doctest.h>

#include "core/openfaas/types.hpp"

namespace of = faas::openfaas;

TEST_SUITE_BEGIN("openfaas.types");

TEST_CASE("openfaas types: a full deployment parses with every key") {
    auto d = of::parse_deployment(R"({"service":"env-test","image":"functions/alpine:latest",
        "namespace":"openfaas-fn","envProcess":"env","envVars":{"custom_env":"v"},
        "constraints":["node.platform.os == linux"],"secrets":["b","a"],
        "labels":{"canary_build":"true"},"annotations":{"json":"{\n \"a\": 1\n}"},
        "limits":{"memory":"5Mi","cpu":"100m"},"requests":{"memory":"","cpu":""},
        "readOnlyRootFilesystem":true,"registryAuth":"","network":"func_functions"})");
    REQUIRE(d.ok());
    CHECK(d->service == "env-test");
    CHECK(d->image == "functions/alpine:latest");
    CHECK(d->namespace_ == "openfaas-fn");
    CHECK(d->env_process == "env");
    REQUIRE(d->env_vars.has_value());
    CHECK(d->env_vars->at("custom_env") == "v");
    CHECK(d->constraints == std::vector<std::string>{"node.platform.os == linux"});
    CHECK(d->secrets == std::vector<std::string>{"b", "a"});
    CHECK(d->labels->at("canary_build") == "true");
    CHECK(d->annotations->at("json") == "{\n \"a\": 1\n}");
    REQUIRE(d->limits.has_value());
    CHECK(d->limits->memory == "5Mi");
    CHECK(d->limits->cpu == "100m");
    CHECK_FALSE(d->requests.has_value());  // only empty strings: omitted, as faas-cli sends it
    CHECK(d->read_only_root_filesystem);
}

TEST_CASE("openfaas types: null maps from SDK callers are accepted and kept apart from {}") {
    auto d = of::parse_deployment(
        R"({"service":"a","image":"i","labels":null,"annotations":{},"envVars":null})");
    REQUIRE(d.ok());
    CHECK_FALSE(d->labels.has_value());
    REQUIRE(d->annotations.has_value());
    CHECK(d->annotations->empty());
    CHECK_FALSE(d->env_vars.has_value());
}

TEST_CASE("openfaas types: malformed or mistyped deployments are bad requests with a reason") {
    for (const char* bad : {"{", "[]", R"({"service":1})", R"({"labels":{"a":1}})",
                            R"({"secrets":"x"})", R"({"readOnlyRootFilesystem":"yes"})"}) {
        CAPTURE(bad);
        auto d = of::parse_deployment(bad);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().code == faas::errc::bad_request);
        CHECK(d.error().message.find("FunctionDeployment") != std::string::npos);
    }
}

TEST_CASE("openfaas types: status omits zero replicas, empty envVars and absent limits") {
    of::FunctionDeployment d;
    d.service = "stronghash";
    d.image = "functions/alpine:latest";
    d.namespace_ = "openfaas-fn";
    d.env_process = "sha512sum";
    auto s = of::status_from(d);
    s.created_at = "2026-11-23T10:00:00Z";
    const auto text = of::to_json(s);
    CHECK(text.find("\"replicas\"") == std::string::npos);
    CHECK(text.find("\"availableReplicas\"") == std::string::npos);
    CHECK(text.find("\"envVars\"") == std::string::npos);
    CHECK(text.find("\"limits\"") == std::string::npos);
    CHECK(text.find("\"requests\"") == std::string::npos);
    CHECK(text.find(R"("labels":{"faas_function":"stronghash"})") != std::string::npos);
    CHECK(text.find(R"("annotations":{})") != std::string::npos);
    CHECK(text.find(R"("invocationCount":0)") != std::string::npos);

    s.replicas = 2;
    s.available_replicas = 1;
    auto back = of::parse_status(of::to_json(s));
    REQUIRE(back.ok());
    CHECK(back->name == "stronghash");
    CHECK(back->replicas == 2);
    CHECK(back->available_replicas == 1);
    CHECK(back->env_process == "sha512sum");
    CHECK(back->created_at == "2026-11-23T10:00:00Z");
}

TEST_CASE("openfaas types: a status list round-trips and null reads as empty") {
    of::FunctionStatus a;
    a.name = "a";
    a.invocation_count = 3;
    of::FunctionStatus b;
    b.name = "b";
    auto list = of::parse_status_list(of::to_json(std::vector<of::FunctionStatus>{a, b}));
    REQUIRE(list.ok());
    REQUIRE(list->size() == 2);
    CHECK(list->at(0).invocation_count == doctest::Approx(3));
    CHECK(list->at(1).name == "b");
    auto empty = of::parse_status_list("null");
    REQUIRE(empty.ok());
    CHECK(empty->empty());
}

TEST_CASE("openfaas types: secrets decode rawValue and lists never carry values") {
    auto s = of::parse_secret(R"({"name":"k","namespace":"openfaas-fn","rawValue":"AAEC"})");
    REQUIRE(s.ok());
    CHECK(s->bytes() == std::string("\x00\x01\x02", 3));
    auto v = of::parse_secret(R"({"name":"k","value":"text"})");
    REQUIRE(v.ok());
    CHECK(v->bytes() == "text");
    CHECK_FALSE(of::parse_secret(R"({"name":"k","rawValue":"***"})").ok());
    const auto text = of::to_json(std::vector<of::Secret>{*s, *v});
    CHECK(text == R"([{"name":"k","namespace":"openfaas-fn"},{"name":"k"}])");
}

TEST_CASE("openfaas types: scale and delete requests") {
    auto sc = of::parse_scale(R"({"serviceName":"f","replicas":0,"namespace":"ns"})");
    REQUIRE(sc.ok());
    CHECK(sc->service_name == "f");
    CHECK(sc->replicas == 0);
    CHECK(sc->namespace_ == "ns");
    CHECK_FALSE(of::parse_scale(R"({"serviceName":"f","replicas":-1})").ok());
    auto del = of::parse_delete(R"({"functionName":"f"})");
    REQUIRE(del.ok());
    CHECK(del->function_name == "f");
    CHECK(del->namespace_.empty());
    CHECK(of::to_json(*sc) == R"({"serviceName":"f","replicas":0,"namespace":"ns"})");
}

TEST_CASE("openfaas types: names split on the last dot and are validated") {
    auto q = of::split_name("figlet.openfaas-fn", of::kDefaultNamespace);
    CHECK(q.name == "figlet");
    CHECK(q.namespace_ == "openfaas-fn");
    auto d = of::split_name("a.b.c", "x");
    CHECK(d.name == "a.b");
    CHECK(d.namespace_ == "c");
    auto n = of::split_name("echo", "openfaas-fn");
    CHECK(n.qualified() == "echo.openfaas-fn");
    CHECK(of::valid_route_name("env-test_1.openfaas-fn"));
    CHECK_FALSE(of::valid_route_name(""));
    CHECK_FALSE(of::valid_route_name("a/b"));
    CHECK(of::valid_dns_label("env-test"));
    CHECK_FALSE(of::valid_dns_label("Env"));
    CHECK_FALSE(of::valid_dns_label("-a"));
    CHECK_FALSE(of::valid_dns_label("a_b"));
    CHECK_FALSE(of::valid_dns_label(std::string(64, 'a')));
}

TEST_CASE("openfaas types: provider info and rfc3339 timestamps") {
    of::ProviderInfo i{"faas-local", "local", "abc", "0.1.0"};
    auto back = of::parse_provider_info(of::to_json(i));
    REQUIRE(back.ok());
    CHECK(back->provider == "faas-local");
    CHECK(back->release == "0.1.0");
    const auto now = of::rfc3339_now();
    CHECK(now.size() == 30);
    CHECK(now[4] == '-');
    CHECK(now[10] == 'T');
    CHECK(now.back() == 'Z');
}
