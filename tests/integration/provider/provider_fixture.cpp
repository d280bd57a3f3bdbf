#include "tests/integration/provider/provider_fixture.hpp"

#include <filesystem>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "tests/support/ports.hpp"

#ifndef FAAS_BIN_DIR
#error "FAAS_BIN_DIR must name the directory holding faas-provider and fwatchdog"
#endif

namespace faas::test {

std::string provider_path() {
    const std::string path = std::string(FAAS_BIN_DIR) + "/faas-provider";
    if (!std::filesystem::exists(path)) {
        FAIL("faas-provider is not built: " << path << " is missing");
    }
    if (!std::filesystem::exists(std::string(FAAS_BIN_DIR) + "/fwatchdog")) {
        FAIL("fwatchdog is not built next to faas-provider");
    }
    return path;
}

const EndpointFunction* EndpointList::find(std::string_view name) const {
    for (const auto& f : functions) {
        if (f.name == name) {
            return &f;
        }
    }
    return nullptr;
}

EndpointList parse_endpoints(const std::string& body) {
    EndpointList out;
    auto doc = json::parse(body);
    REQUIRE_MESSAGE(doc.ok(), "endpoint list is not JSON: " << body);
    auto root = doc->root();
    REQUIRE(root["generation"].get_uint64().get(out.generation) == simdjson::SUCCESS);
    simdjson::dom::array fns;
    REQUIRE(root["functions"].get_array().get(fns) == simdjson::SUCCESS);
    for (auto f : fns) {
        EndpointFunction ef;
        std::string_view s;
        REQUIRE(f["name"].get_string().get(s) == simdjson::SUCCESS);
        ef.name = std::string(s);
        REQUIRE(f["namespace"].get_string().get(s) == simdjson::SUCCESS);
        ef.namespace_ = std::string(s);
        REQUIRE(f["replicas"].get_uint64().get(ef.replicas) == simdjson::SUCCESS);
        REQUIRE(f["minReplicas"].get_uint64().get(ef.min_replicas) == simdjson::SUCCESS);
        simdjson::dom::array eps;
        REQUIRE(f["endpoints"].get_array().get(eps) == simdjson::SUCCESS);
        for (auto e : eps) {
            EndpointEntry ee;
            REQUIRE(e["id"].get_string().get(s) == simdjson::SUCCESS);
            ee.id = std::string(s);
            REQUIRE(e["address"].get_string().get(s) == simdjson::SUCCESS);
            ee.address = std::string(s);
            std::uint64_t port = 0;
            REQUIRE(e["port"].get_uint64().get(port) == simdjson::SUCCESS);
            ee.port = static_cast<std::uint16_t>(port);
            ef.endpoints.push_back(std::move(ee));
        }
        out.functions.push_back(std::move(ef));
    }
    return out;
}

Provider::Provider(EnvMap env, std::string state_dir) : dir_(std::make_unique<TempDir>()) {
    state_dir_ = state_dir.empty() ? dir_->file("state").string() : std::move(state_dir);
    EnvMap full = base_env();
    port_ = free_port();
    full["port"] = std::to_string(port_);
    full["state_dir"] = state_dir_;
    full["HOME"] = dir_->str();
    for (auto& [k, v] : env) {
        full[k] = v;
    }
    ProcessOptions options;
    options.argv = {provider_path()};
    options.env = std::move(full);
    options.stdout_path = dir_->file("provider.stdout");
    options.stderr_path = dir_->file("provider.stderr");
    process_ = std::make_unique<Process>(std::move(options));
    const bool up = wait_until([this] { return !process_->running() || port_accepts(port_); });
    if (!up || !process_->running()) {
        FAIL("faas-provider did not start listening on port " << port_ << "; log:\n" << log());
    }
}

Provider::~Provider() {
    if (process_) {
        process_->kill_tree();
    }
}

void Provider::stop() {
    process_->signal(SIGTERM);
    auto exit = process_->wait_exit(kMaxWait);
    REQUIRE_MESSAGE(exit.has_value(), "faas-provider did not exit after SIGTERM; log:\n" << log());
    CHECK(exit->exited_with(0));
}

Result<http::Response> Provider::call(std::string method, std::string target, std::string body,
                                      http::Headers headers) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = std::move(headers);
    return client_.call(port_, std::move(req));
}

std::string Provider::deployment(const std::string& name, const std::string& process,
                                 const std::string& extra) {
    json::Writer w;
    w.begin_object();
    w.key("service").value(name);
    w.key("image").value("functions/alpine:latest");
    w.key("envProcess").value(process);
    w.end_object();
    std::string out = std::move(w).str();
    if (!extra.empty()) {
        out.pop_back();
        out += "," + extra + "}";
    }
    return out;
}

int Provider::deploy(const std::string& json) {
    auto r = call("POST", "/system/functions", json);
    REQUIRE_MESSAGE(r.ok(), "deploy failed: " << (r.ok() ? "" : r.error().what()));
    return r->status;
}

int Provider::scale(const std::string& name, std::uint64_t replicas) {
    json::Writer w;
    w.begin_object();
    w.key("serviceName").value(name);
    w.key("replicas").value(replicas);
    w.end_object();
    auto r = call("POST", "/system/scale-function/" + name, std::move(w).str());
    REQUIRE(r.ok());
    return r->status;
}

std::optional<openfaas::FunctionStatus> Provider::status(const std::string& name) {
    auto r = get("/system/function/" + name);
    REQUIRE(r.ok());
    if (r->status != 200) {
        return std::nullopt;
    }
    auto s = openfaas::parse_status(r->body);
    REQUIRE_MESSAGE(s.ok(), "status is not a FunctionStatus: " << r->body);
    return std::move(s).value();
}

EndpointList Provider::endpoints() {
    auto r = get("/system/endpoints");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    return parse_endpoints(r->body);
}

std::vector<EndpointEntry> Provider::wait_ready(const std::string& name, std::size_t n,
                                                std::chrono::nanoseconds bound) {
    std::vector<EndpointEntry> eps;
    const bool ok = wait_until(
        [&] {
            auto list = endpoints();
            const auto* f = list.find(name);
            eps = f ? f->endpoints : std::vector<EndpointEntry>{};
            return eps.size() == n;
        },
        bound);
    REQUIRE_MESSAGE(ok, name << " did not get " << n << " ready endpoints (has " << eps.size()
                              << "); log:\n"
                              << log());
    return eps;
}

Result<http::Response> call_replica(std::uint16_t port, std::string body, std::string target) {
    return http_post(port, std::move(target), std::move(body));
}

}  // namespace faas::test
