// core/daemon/admin: /metrics and /healthz as each daemon answers them.
#include "core/daemon/admin.hpp"

#include <memory>
#include <thread>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"

using faas::daemon::admin_response;
using faas::daemon::AdminRoutes;

namespace {

struct Registry {
    Registry() {
        prometheus::BuildCounter().Name("faas_test_things_total").Help("things").Register(registry)
            .Add({}).Increment();
    }
    faas::metrics::Registry registry;
};

// The admin server on 127.0.0.1 port 0, on its own I/O thread.
class AdminServer {
public:
    AdminServer(const faas::metrics::Registry& registry, AdminRoutes routes)
        : pool_(1),
          server_(faas::daemon::make_admin_server(
              pool_, "127.0.0.1", 0, registry, std::move(routes),
              faas::log::make("admin-test", faas::log::Format::Structured, "warn"))) {
        server_->start();
        thread_ = std::thread([this] { pool_.run(); });
    }
    ~AdminServer() {
        pool_.stop();
        thread_.join();
    }
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;
    std::uint16_t port() const { return server_->port(); }

private:
    faas::http::IoPool pool_;
    std::unique_ptr<faas::http::Server> server_;
    std::thread thread_;
};

}  // namespace

TEST_SUITE_BEGIN("core.daemon.admin");

TEST_CASE("admin: /metrics is the registry in Prometheus text") {
    const Registry r;
    const auto res = admin_response(r.registry, AdminRoutes{}, "GET", "/metrics");
    REQUIRE(res.has_value());
    CHECK(res->status == 200);
    CHECK(res->headers.get("Content-Type") ==
          std::optional<std::string_view>(faas::metrics::kContentType));
    CHECK(res->body.find("faas_test_things_total 1") != std::string::npos);
}

TEST_CASE("admin: /healthz is OK until the daemon gives a reason it is not") {
    const Registry r;
    bool up = true;
    AdminRoutes routes;
    routes.unhealthy = [&up]() -> std::optional<std::string> {
        if (up) {
            return std::nullopt;
        }
        return "NATS connection down";
    };
    auto res = admin_response(r.registry, routes, "HEAD", "/healthz");
    REQUIRE(res.has_value());
    CHECK(res->status == 200);
    CHECK(res->body == "OK");
    CHECK(res->headers.get("Content-Type") ==
          std::optional<std::string_view>("text/plain; charset=utf-8"));
    up = false;
    res = admin_response(r.registry, routes, "GET", "/healthz");
    REQUIRE(res.has_value());
    CHECK(res->status == 503);
    CHECK(res->body == "NATS connection down\n");
}

TEST_CASE("admin: other methods are 405 unless /metrics takes any method") {
    const Registry r;
    CHECK(admin_response(r.registry, AdminRoutes{}, "POST", "/metrics")->status == 405);
    CHECK(admin_response(r.registry, AdminRoutes{}, "POST", "/healthz")->status == 405);
    AdminRoutes any;
    any.metrics_any_method = true;
    CHECK(admin_response(r.registry, any, "POST", "/metrics")->status == 200);
    CHECK(admin_response(r.registry, any, "POST", "/healthz")->status == 405);
}

TEST_CASE("admin: other paths are left to the caller, /healthz too when not served") {
    const Registry r;
    CHECK_FALSE(admin_response(r.registry, AdminRoutes{}, "GET", "/").has_value());
    CHECK_FALSE(admin_response(r.registry, AdminRoutes{}, "GET", "/metrics/x").has_value());
    AdminRoutes no_health;
    no_health.healthz = false;
    CHECK_FALSE(admin_response(r.registry, no_health, "GET", "/healthz").has_value());
}

TEST_CASE("admin: the admin server answers its endpoints and 404 elsewhere") {
    const Registry r;
    AdminServer server(r.registry, AdminRoutes{});
    auto metrics = faas::test::http_get(server.port(), "/metrics");
    REQUIRE(metrics.ok());
    CHECK(metrics->status == 200);
    CHECK(metrics->body.find("faas_test_things_total") != std::string::npos);
    auto health = faas::test::http_get(server.port(), "/healthz");
    REQUIRE(health.ok());
    CHECK(health->body == "OK");
    auto post = faas::test::http_post(server.port(), "/healthz", "");
    REQUIRE(post.ok());
    CHECK(post->status == 405);
    auto other = faas::test::http_get(server.port(), "/other");
    REQUIRE(other.ok());
    CHECK(other->status == 404);
    CHECK(other->body == "404 page not found\n");
}

TEST_SUITE_END();
