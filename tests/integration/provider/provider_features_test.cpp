// faas-provider local back end features: secrets, logs, supervision (restart after kill -9),
// persistence across a provider restart, basic auth, limits and metrics.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "core/text/text.hpp"
#include "tests/integration/provider/provider_fixture.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/temp_dir.hpp"

using faas::test::call_replica;
using faas::test::kMaxWait;
using faas::test::Provider;
using faas::test::TempDir;
using faas::test::wait_until;
using namespace std::chrono_literals;

namespace {

bool secrets_mounted(const Provider& p) {
    return p.log().find("secrets mode=bind-mount") != std::string::npos;
}

// The function's command that prints the secret `name`: the documented path when the provider
// mounts secrets, else through the fallback variable (docs/provider.md).
std::string cat_secret(const Provider& p, const TempDir& dir, const std::string& name) {
    if (secrets_mounted(p)) {
        return "cat /var/openfaas/secrets/" + name;
    }
    const auto script = dir.write(
        "cat-secret.sh", "#!/bin/sh\nexec cat \"$OPENFAAS_SECRETS_DIR/" + name + "\"\n", true);
    return script.string();
}

std::string secret_json(const std::string& name, const std::string& value, bool raw = false) {
    faas::json::Writer w;
    w.begin_object();
    w.key("name").value(name);
    w.key(raw ? "rawValue" : "value").value(raw ? faas::text::base64_encode(value) : value);
    w.end_object();
    return std::move(w).str();
}

// The certifier's reading of a log line: leading digits, '/', ':' and spaces removed.
std::string certifier_text(const std::string& text) {
    const auto first = text.find_first_not_of("0123456789/: ");
    return first == std::string::npos ? std::string() : text.substr(first);
}

struct LogMessage {
    std::string name;
    std::string ns;
    std::string instance;
    std::string timestamp;
    std::string text;
};

std::vector<LogMessage> parse_ndjson(const std::string& body) {
    std::vector<LogMessage> out;
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) {
            continue;
        }
        auto doc = faas::json::parse(line);
        REQUIRE_MESSAGE(doc.ok(), "not JSON: " << line);
        LogMessage m;
        std::string_view s;
        auto root = doc->root();
        REQUIRE(root["name"].get_string().get(s) == simdjson::SUCCESS);
        m.name = std::string(s);
        REQUIRE(root["namespace"].get_string().get(s) == simdjson::SUCCESS);
        m.ns = std::string(s);
        REQUIRE(root["instance"].get_string().get(s) == simdjson::SUCCESS);
        m.instance = std::string(s);
        REQUIRE(root["timestamp"].get_string().get(s) == simdjson::SUCCESS);
        m.timestamp = std::string(s);
        REQUIRE(root["text"].get_string().get(s) == simdjson::SUCCESS);
        m.text = std::string(s);
        out.push_back(std::move(m));
    }
    return out;
}

bool has_text(const std::vector<LogMessage>& msgs, std::string_view prefix) {
    for (const auto& m : msgs) {
        if (certifier_text(m.text).starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

// PIDs of the fwatchdog processes under the provider.
std::vector<pid_t> watchdog_pids(pid_t provider) {
    std::vector<pid_t> out;
    for (pid_t pid : faas::test::descendants(provider)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
        std::string cmd;
        std::getline(in, cmd, '\0');
        if (cmd.ends_with("/fwatchdog")) {
            out.push_back(pid);
        }
    }
    return out;
}

}  // namespace

TEST_SUITE("provider features") {

TEST_CASE("provider: secrets CRUD never lists values and answers 409 and 200 as documented") {
    Provider p;
    auto list0 = p.get("/system/secrets");
    REQUIRE(list0.ok());
    CHECK(list0->status == 200);
    CHECK(list0->body == "[]");
    auto created = p.call("POST", "/system/secrets", secret_json("api-key", "s3cr3t"));
    REQUIRE(created.ok());
    CHECK(created->status == 202);
    auto dup = p.call("POST", "/system/secrets", secret_json("api-key", "other"));
    REQUIRE(dup.ok());
    CHECK(dup->status == 409);
    auto list1 = p.get("/system/secrets");
    REQUIRE(list1.ok());
    CHECK(list1->body == R"([{"name":"api-key","namespace":"openfaas-fn"}])");
    CHECK(list1->body.find("s3cr3t") == std::string::npos);
    auto upd = p.call("PUT", "/system/secrets", secret_json("api-key", "n3w"));
    REQUIRE(upd.ok());
    CHECK(upd->status == 202);
    auto upd_absent = p.call("PUT", "/system/secrets", secret_json("absent", "x"));
    REQUIRE(upd_absent.ok());
    CHECK(upd_absent->status == 404);
    // Stored with mode 0600.
    const auto file = std::filesystem::path(p.state_dir()) / "secrets" / "openfaas-fn" / "api-key";
    CHECK(faas::test::read_file(file) == "n3w");
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    auto del = p.call("DELETE", "/system/secrets", R"({"name":"api-key"})");
    REQUIRE(del.ok());
    CHECK(del->status == 200);
    auto del_again = p.call("DELETE", "/system/secrets", R"({"name":"api-key"})");
    REQUIRE(del_again.ok());
    CHECK(del_again->status == 404);
    CHECK(p.get("/system/secrets")->body == "[]");
    auto bad = p.call("POST", "/system/secrets", secret_json("Bad Name", "x"));
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
}

TEST_CASE("provider: a function reads its secret's exact bytes and sees an update after PUT") {
    Provider p;
    TempDir dir;
    const std::string bytes = std::string("line1\nline2\0\x01\xff end", 18);
    auto c1 = p.call("POST", "/system/secrets", secret_json("raw", bytes, true));
    REQUIRE(c1.ok());
    REQUIRE(c1->status == 202);
    auto c2 = p.call("POST", "/system/secrets", secret_json("plain", "no newline"));
    REQUIRE(c2.ok());
    REQUIRE(p.deploy(Provider::deployment("reader", cat_secret(p, dir, "raw"),
                                          R"("secrets":["raw","plain"])")) == 202);
    auto st = p.status("reader");
    REQUIRE(st.has_value());
    CHECK(st->secrets == std::vector<std::string>{"raw", "plain"});
    auto eps = p.wait_ready("reader", 1);
    auto r = call_replica(eps.front().port, "");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == bytes);

    auto upd = p.call("PUT", "/system/secrets", secret_json("raw", "second value"));
    REQUIRE(upd.ok());
    REQUIRE(upd->status == 202);
    auto put = p.call("PUT", "/system/functions",
                      Provider::deployment("reader", cat_secret(p, dir, "raw"),
                                           R"("secrets":["raw","plain"],"annotations":{"v":"2"})"));
    REQUIRE(put.ok());
    CHECK(put->status == 202);
    std::string last;
    CHECK(wait_until(
        [&] {
            auto list = p.endpoints();
            const auto* f = list.find("reader");
            if (f == nullptr || f->endpoints.empty()) {
                return false;
            }
            auto res = call_replica(f->endpoints.front().port, "");
            last = res.ok() ? res->body : std::string();
            return last == "second value";
        },
        5s));
    CHECK(last == "second value");
}

TEST_CASE("provider: logs hold the watchdog's lines with the function name, instance and time") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("test-logger", "cat")) == 202);
    p.wait_ready("test-logger", 1);
    auto r = p.call("POST", "/function/test-logger", "openfaas-fn");
    REQUIRE(r.ok());
    CHECK(r->body == "openfaas-fn");
    std::vector<LogMessage> msgs;
    std::string body;
    CHECK(wait_until([&] {
        auto res = p.get("/system/logs?name=test-logger&namespace=openfaas-fn&follow=false");
        REQUIRE(res.ok());
        REQUIRE(res->status == 200);
        CHECK(res->headers.get("Content-Type") ==
              std::optional<std::string_view>("application/x-ndjson"));
        body = res->body;
        msgs = parse_ndjson(body);
        return has_text(msgs, "Forking fprocess") && has_text(msgs, "Wrote 11 Bytes");
    }));
    INFO(body);
    REQUIRE_FALSE(msgs.empty());
    for (const auto& m : msgs) {
        CHECK(m.name == "test-logger");
        CHECK(m.ns == "openfaas-fn");
        CHECK(m.instance.starts_with("test-logger-"));
        CHECK(m.timestamp.size() > 20);
    }
    auto tail = p.get("/system/logs?name=test-logger&tail=1&follow=false");
    REQUIRE(tail.ok());
    CHECK(parse_ndjson(tail->body).size() == 1);
    auto absent = p.get("/system/logs?name=absent&follow=false");
    REQUIRE(absent.ok());
    CHECK(absent->status == 404);
    auto noname = p.get("/system/logs?follow=false");
    REQUIRE(noname.ok());
    CHECK(noname->status == 422);
    auto bad_since = p.get("/system/logs?name=test-logger&since=yesterday");
    REQUIRE(bad_since.ok());
    CHECK(bad_since->status == 422);
}

TEST_CASE("provider: logs with follow=true deliver a new line while the stream stays open") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("follow", "cat")) == 202);
    p.wait_ready("follow", 1);
    faas::test::RawConnection conn(p.port());
    REQUIRE(conn.send("GET /system/logs?name=follow&follow=true HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(conn.read_until("application/x-ndjson"));
    // 17 bytes: a line no earlier call could have produced.
    auto r = p.call("POST", "/function/follow", "seventeen bytes!!");
    REQUIRE(r.ok());
    CHECK(conn.read_until("Wrote 17 Bytes", kMaxWait));
    CHECK_FALSE(conn.closed());
}

TEST_CASE("provider: a replica killed with SIGKILL is restarted and its endpoint comes back") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("phoenix", "cat")) == 202);
    auto before = p.wait_ready("phoenix", 1);
    auto pids = watchdog_pids(p.process().pid());
    REQUIRE(pids.size() == 1);
    ::kill(pids.front(), SIGKILL);
    CHECK(wait_until(
        [&] { return p.log().find("replica exited fn=phoenix") != std::string::npos; }));
    CHECK(p.log().find("signal: killed") != std::string::npos);
    std::string body;
    CHECK(wait_until([&] {
        auto list = p.endpoints();
        const auto* f = list.find("phoenix");
        if (f == nullptr || f->endpoints.size() != 1) {
            return false;
        }
        auto res = call_replica(f->endpoints.front().port, "alive");
        body = res.ok() ? res->body : "";
        return body == "alive";
    }));
    auto now = watchdog_pids(p.process().pid());
    REQUIRE(now.size() == 1);
    CHECK(now.front() != pids.front());
    auto metrics = p.get("/metrics");
    REQUIRE(metrics.ok());
    CHECK(metrics->body.find(
              "faas_provider_replica_restarts_total{function_name=\"phoenix.openfaas-fn\"} 1") !=
          std::string::npos);
}

TEST_CASE("provider: a restarted provider brings back functions, replicas and secrets") {
    TempDir state;
    {
        Provider p({}, state.file("state").string());
        auto c = p.call("POST", "/system/secrets", secret_json("kept", "value"));
        REQUIRE(c.ok());
        REQUIRE(c->status == 202);
        REQUIRE(p.deploy(Provider::deployment("durable", "env", R"("envVars":{"A":"b"})")) == 202);
        REQUIRE(p.scale("durable", 2) == 202);
        p.wait_ready("durable", 2);
        p.stop();
        // Replicas went with it.
        CHECK(wait_until([&] { return watchdog_pids(p.process().pid()).empty(); }));
    }
    Provider p({}, state.file("state").string());
    auto st = p.status("durable");
    REQUIRE(st.has_value());
    CHECK(st->replicas == 2);
    REQUIRE(st->env_vars.has_value());
    CHECK(st->env_vars->at("A") == "b");
    auto eps = p.wait_ready("durable", 2);
    auto r = call_replica(eps.front().port, "");
    REQUIRE(r.ok());
    CHECK(r->body.find("A=b") != std::string::npos);
    CHECK(p.get("/system/secrets")->body == R"([{"name":"kept","namespace":"openfaas-fn"}])");
}

TEST_CASE("provider: replicas die with the provider when it is killed with SIGKILL") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("orphan", "cat")) == 202);
    p.wait_ready("orphan", 1);
    auto pids = watchdog_pids(p.process().pid());
    REQUIRE(pids.size() == 1);
    ::kill(p.process().pid(), SIGKILL);
    CHECK(wait_until([&] { return faas::test::gone(pids.front()); }));
}

TEST_CASE("provider: basic auth guards /system/* and leaves /healthz open") {
    TempDir secrets;
    secrets.write("basic-auth-user", "admin\n");
    secrets.write("basic-auth-password", " pa55word \n");
    Provider p({{"basic_auth", "true"}, {"secret_mount_path", secrets.str()}});
    auto no = p.get("/system/functions");
    REQUIRE(no.ok());
    CHECK(no->status == 401);
    CHECK(no->body == "invalid credentials\n");
    CHECK(no->headers.get("WWW-Authenticate") ==
          std::optional<std::string_view>("Basic realm=\"Restricted\""));
    auto wrong = p.call("GET", "/system/functions", "",
                        {{"Authorization", "Basic " + faas::text::base64_encode("admin:nope")}});
    REQUIRE(wrong.ok());
    CHECK(wrong->status == 401);
    auto ok = p.call("GET", "/system/functions", "",
                     {{"Authorization", "Basic " + faas::text::base64_encode("admin:pa55word")}});
    REQUIRE(ok.ok());
    CHECK(ok->status == 200);
    auto health = p.get("/healthz");
    REQUIRE(health.ok());
    CHECK(health->status == 200);
}

TEST_CASE("provider: basic auth without credential files stops start-up with exit code 2") {
    TempDir empty;
    faas::test::EnvMap env = faas::test::base_env();
    env["basic_auth"] = "true";
    env["secret_mount_path"] = empty.str();
    env["state_dir"] = empty.file("state").string();
    env["port"] = "0";
    auto res = faas::test::run({faas::test::provider_path()}, env);
    CHECK(res.exit.exited_with(2));
    CHECK(res.err.find("basic-auth-user") != std::string::npos);
}

TEST_CASE("provider: limits are echoed and applied, and a too small limit is reported") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("memory-limit", "cat",
                                          R"("limits":{"memory":"5Mi","cpu":"100m"})")) == 202);
    auto st = p.status("memory-limit");
    REQUIRE(st.has_value());
    REQUIRE(st->limits.has_value());
    CHECK(st->limits->memory == "5Mi");
    CHECK(st->limits->cpu == "100m");
    CHECK_FALSE(st->requests.has_value());
    CHECK(wait_until([&] {
        return p.log().find("memory limit below what fwatchdog needs fn=memory-limit") !=
               std::string::npos;
    }));
    // Either the watchdog fits in 5Mi here, or its death is reported (never silent).
    CHECK(wait_until([&] {
        const auto list = p.endpoints();
        const auto* f = list.find("memory-limit");
        return (f != nullptr && !f->endpoints.empty()) ||
               p.log().find("replica exited fn=memory-limit") != std::string::npos;
    }));
    REQUIRE(p.deploy(Provider::deployment("roomy", "cat", R"("limits":{"memory":"1Gi"})")) == 202);
    auto eps = p.wait_ready("roomy", 1);
    auto r = call_replica(eps.front().port, "fits");
    REQUIRE(r.ok());
    CHECK(r->body == "fits");
    if (p.log().find("limits mode=cgroup-v1") != std::string::npos) {
        const auto file = std::filesystem::path("/sys/fs/cgroup/memory/faas") /
                          ("p" + std::to_string(p.process().pid()) + "-" + eps.front().id) /
                          "memory.limit_in_bytes";
        CHECK(faas::test::read_file(file) == "1073741824\n");
    }
}

TEST_CASE("provider: metrics count requests by route and report replicas per function") {
    Provider p;
    REQUIRE(p.deploy(Provider::deployment("counted", "cat")) == 202);
    p.wait_ready("counted", 1);
    auto m = p.get("/metrics");
    REQUIRE(m.ok());
    CHECK(m->status == 200);
    CHECK(m->body.find("provider_http_requests_total"
                       "{code=\"202\",method=\"POST\",path=\"/system/functions\"} 1") !=
          std::string::npos);
    CHECK(m->body.find("provider_http_request_duration_seconds_bucket") != std::string::npos);
    CHECK(m->body.find("faas_provider_replicas{function_name=\"counted.openfaas-fn\"} 1") !=
          std::string::npos);
    CHECK(m->body.find(
              "faas_provider_available_replicas{function_name=\"counted.openfaas-fn\"} 1") !=
          std::string::npos);
}

TEST_CASE("provider: namespaces are the default plus those created with the openfaas label") {
    Provider p;
    auto bad = p.call("POST", "/system/namespace/team-a", R"({"name":"team-a"})");
    REQUIRE(bad.ok());
    CHECK(bad->status == 400);
    auto created = p.call("POST", "/system/namespace/team-a",
                          R"({"name":"team-a","labels":{"openfaas":"1"}})");
    REQUIRE(created.ok());
    CHECK(created->status == 201);
    CHECK(p.get("/system/namespaces")->body == R"(["openfaas-fn","team-a"])");
    REQUIRE(p.deploy(Provider::deployment("in-a", "cat", R"("namespace":"team-a")")) == 202);
    auto list = p.get("/system/functions?namespace=team-a");
    REQUIRE(list.ok());
    CHECK(list->body.find("\"in-a\"") != std::string::npos);
    CHECK(p.get("/system/functions")->body == "[]");
    auto in_use = p.call("DELETE", "/system/namespace/team-a");
    REQUIRE(in_use.ok());
    CHECK(in_use->status == 409);
    auto del = p.call("DELETE", "/system/functions?namespace=team-a", R"({"functionName":"in-a"})");
    REQUIRE(del.ok());
    CHECK(del->status == 202);
    auto gone = p.call("DELETE", "/system/namespace/team-a");
    REQUIRE(gone.ok());
    CHECK(gone->status == 202);
    CHECK(p.get("/system/namespaces")->body == R"(["openfaas-fn"])");
}

TEST_CASE("provider: a replica whose health check fails leaves the list until it recovers") {
    Provider p(faas::test::EnvMap{{"replica_health_interval", "50ms"}});
    REQUIRE(p.deploy(Provider::deployment("wobbly", "cat")) == 202);
    auto eps = p.wait_ready("wobbly", 1);
    // fwatchdog's /_/health answers 503 while its lock file is missing.
    const auto lock = std::filesystem::path(p.state_dir()) / "replicas" / "openfaas-fn" /
                      eps.front().id / "tmp" / ".lock";
    REQUIRE(std::filesystem::exists(lock));
    std::filesystem::rename(lock, lock.string() + ".away");
    p.wait_ready("wobbly", 0);
    CHECK(p.status("wobbly")->available_replicas == 0);
    CHECK(p.status("wobbly")->replicas == 1);
    std::filesystem::rename(lock.string() + ".away", lock);
    auto back = p.wait_ready("wobbly", 1);
    CHECK(back.front().id == eps.front().id);
    CHECK(back.front().port == eps.front().port);
}

TEST_CASE("provider: the working directory is com.faas.local.workdir, else the replica's own") {
    Provider p;
    TempDir work;
    REQUIRE(p.deploy(Provider::deployment(
                "here", "pwd",
                R"("annotations":{"com.faas.local.workdir":")" + work.str() + R"("})")) == 202);
    REQUIRE(p.deploy(Provider::deployment("own", "pwd")) == 202);
    auto here = p.wait_ready("here", 1);
    auto r = call_replica(here.front().port, "");
    REQUIRE(r.ok());
    CHECK(r->body == std::filesystem::canonical(work.path()).string() + "\n");
    auto own = p.wait_ready("own", 1);
    auto o = call_replica(own.front().port, "");
    REQUIRE(o.ok());
    CHECK(o->body == (std::filesystem::canonical(p.state_dir()) / "replicas" / "openfaas-fn" /
                      own.front().id)
                             .string() +
                         "\n");
}

}  // TEST_SUITE
