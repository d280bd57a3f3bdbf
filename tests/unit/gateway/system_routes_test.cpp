// gateway/system_routes: the /system/* route table and the AlertManager scaling rule.
#include "gateway/system_routes.hpp"

#include <doctest/doctest.h>

using faas::gateway::alert_target;
using faas::gateway::SystemRoute;
using faas::gateway::SystemRoutes;

TEST_SUITE_BEGIN("gateway.system_routes");

TEST_CASE("system routes: each OpenFaaS route maps to its handling with its methods") {
    const SystemRoutes routes;
    CHECK(routes.classify("/system/functions", "GET") == SystemRoute::ListFunctions);
    for (const char* m : {"POST", "PUT", "DELETE"}) {
        CHECK(routes.classify("/system/functions", m) == SystemRoute::Proxy);
    }
    CHECK(routes.classify("/system/functions", "PATCH") == SystemRoute::MethodNotAllowed);
    CHECK(routes.classify("/system/function/env", "GET") == SystemRoute::Proxy);
    CHECK(routes.classify("/system/function/env", "POST") == SystemRoute::MethodNotAllowed);
    CHECK(routes.classify("/system/function/env/more", "GET") == SystemRoute::Proxy);
    CHECK(routes.classify("/system/function/", "GET") == SystemRoute::NotFound);
    CHECK(routes.classify("/system/scale-function/env", "POST") == SystemRoute::Proxy);
    CHECK(routes.classify("/system/scale-function/env", "GET") == SystemRoute::MethodNotAllowed);
    for (const char* m : {"GET", "POST", "PUT", "DELETE"}) {
        CHECK(routes.classify("/system/secrets", m) == SystemRoute::Proxy);
        CHECK(routes.classify("/system/namespace/team", m) == SystemRoute::Proxy);
    }
    CHECK(routes.classify("/system/namespace/", "POST") == SystemRoute::Proxy);
    CHECK(routes.classify("/system/namespaces", "GET") == SystemRoute::Proxy);
    CHECK(routes.classify("/system/logs", "GET") == SystemRoute::Logs);
    CHECK(routes.classify("/system/info", "GET") == SystemRoute::Info);
    CHECK(routes.classify("/system/alert", "POST") == SystemRoute::Alert);
    CHECK(routes.classify("/system/alert", "GET") == SystemRoute::MethodNotAllowed);
    CHECK(routes.classify("/system/nothing", "GET") == SystemRoute::NotFound);
}

TEST_CASE(
    "system routes: the async routes are ours and the webhook secret route is never proxied") {
    const SystemRoutes routes;
    CHECK(routes.classify("/system/async-calls/abc", "GET") == SystemRoute::AsyncCall);
    CHECK(routes.classify("/system/async-calls/abc", "POST") == SystemRoute::MethodNotAllowed);
    CHECK(routes.classify("/system/async-calls/", "GET") == SystemRoute::NotFound);
    CHECK(routes.classify("/system/queues", "GET") == SystemRoute::Queues);
    CHECK(routes.classify("/system/async-dead-letters", "GET") == SystemRoute::DeadLetters);
    CHECK(routes.classify("/system/async-dead-letters/redrive", "POST") == SystemRoute::Redrive);
    CHECK(routes.classify("/system/async-dead-letters/redrive", "GET") ==
          SystemRoute::MethodNotAllowed);
    for (const char* m : {"GET", "POST"}) {
        CHECK(routes.classify("/system/function-webhook-secret/hook", m) == SystemRoute::NotFound);
        CHECK(routes.classify("/system/function-webhook-secret", m) == SystemRoute::NotFound);
    }
}

TEST_CASE("system routes: a firing alert steps up to max and a resolved one goes back to min") {
    const faas::openfaas::StringMap none;
    // Defaults min 1, max 20, factor 20: step = 4.
    CHECK(alert_target(none, 1, true) == 5);
    CHECK(alert_target(none, 18, true) == 20);
    CHECK(alert_target(none, 7, false) == 1);
    const faas::openfaas::StringMap labels{{"com.openfaas.scale.min", "2"},
                                           {"com.openfaas.scale.max", "10"},
                                           {"com.openfaas.scale.factor", "50"}};
    CHECK(alert_target(labels, 2, true) == 7);
    CHECK(alert_target(labels, 7, true) == 10);
    CHECK(alert_target(labels, 10, false) == 2);
    // min == max disables scaling; a factor out of range falls back to the default.
    const faas::openfaas::StringMap fixed{{"com.openfaas.scale.min", "2"},
                                          {"com.openfaas.scale.max", "2"}};
    CHECK(alert_target(fixed, 2, true) == 2);
    const faas::openfaas::StringMap odd{{"com.openfaas.scale.factor", "500"},
                                        {"com.openfaas.scale.max", "x"}};
    CHECK(alert_target(odd, 1, true) == 5);
}

TEST_SUITE_END();
