#pragma once
// The fixture of the stand-in's replay tests: a kube::Server on a free port with the admin
// token "admin-token", a client, and helpers to seed recorded state.
#include <doctest/doctest.h>

#include <string>

#include "tests/support/http_client.hpp"
#include "tests/support/kube/replay.hpp"
#include "tests/support/kube/server.hpp"

namespace faas::test::kube {

inline ServerOptions standin_options() {
    ServerOptions o;
    o.admin_token = "admin-token";
    return o;
}

class StandIn {
public:
    explicit StandIn(ServerOptions options = standin_options()) : server_(std::move(options)) {
        server_.start();
    }

    Server& server() { return server_; }

    http::Response call(http::Request req) {
        auto res = client_.call(server_.port(), std::move(req));
        REQUIRE_MESSAGE(res.ok(), "stand-in call failed: " << res.error().what());
        return std::move(res).value();
    }
    // Sends the transcript's request (as the admin unless another token is given; "" sends
    // no credentials).
    http::Response send(const Transcript& t, const std::string& token = "admin-token") {
        return call(t.http_request(token));
    }
    http::Response send(const std::string& method,
                        const std::string& target,
                        const std::string& body = {},
                        const std::string& content_type = "application/json") {
        http::Request req;
        req.method = method;
        req.target = target;
        req.body = body;
        req.headers.set("Authorization", "Bearer admin-token");
        if (!body.empty()) {
            req.headers.set("Content-Type", content_type);
        }
        return call(std::move(req));
    }

    // Puts a recorded object in the store as it is (see Store::restore).
    Value seed(const Gvr& gvr, Value object) {
        return server_.call([&](Store& store) { return store.restore(gvr, std::move(object)); });
    }
    void namespace_exists(const std::string& name = "openfaas-fn") {
        Value ns = Value::object();
        ns["metadata"]["name"] = name;
        (void)seed(gvr::kNamespaces, std::move(ns));
    }
    std::string current_rv(const Gvr& gvr, const std::string& ns, const std::string& name) {
        return server_.call([&](Store& store) {
            const Value* v = store.get(gvr, ns, name);
            return v == nullptr ? std::string() : v->string_at({"metadata", "resourceVersion"});
        });
    }

private:
    Server server_;
    SyncClient client_;
};

// The transcript's response body (an object).
inline Value recorded_body(const Transcript& t) {
    return *t.response.find("body");
}
inline Value recorded_request_body(const Transcript& t) {
    return *t.request.find("body");
}

}  // namespace faas::test::kube
