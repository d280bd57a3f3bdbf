// POST /system/alert (docs/wire-contract.md §1.10): an AlertManager webhook moves each named
// function one step up while its alert fires and back to its minimum when it resolves.
#include <cmath>
#include <string>
#include <vector>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

namespace {

struct Alert {
    std::string status;
    std::string function;
};

std::optional<std::vector<Alert>> parse_alerts(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc || !doc->root().is_object()) {
        return std::nullopt;
    }
    std::vector<Alert> out;
    simdjson::dom::array alerts;
    if (doc->root()["alerts"].get(alerts) != simdjson::SUCCESS) {
        return out;
    }
    for (auto a : alerts) {
        Alert alert;
        std::string_view s;
        if (a["status"].get(s) == simdjson::SUCCESS) {
            alert.status = std::string(s);
        }
        if (a["labels"]["function_name"].get(s) == simdjson::SUCCESS) {
            alert.function = std::string(s);
        }
        if (!alert.function.empty()) {
            out.push_back(std::move(alert));
        }
    }
    return out;
}

std::uint64_t label_number(const openfaas::StringMap& labels, const std::string& key,
                           std::uint64_t fallback) {
    auto it = labels.find(key);
    if (it == labels.end()) {
        return fallback;
    }
    return text::parse_uint(it->second).value_or(fallback);
}

}  // namespace

std::uint64_t alert_target(const openfaas::StringMap& labels, std::uint64_t current, bool firing) {
    const std::uint64_t min = label_number(labels, "com.openfaas.scale.min", 1);
    const std::uint64_t max = label_number(labels, "com.openfaas.scale.max", 20);
    std::uint64_t factor = label_number(labels, "com.openfaas.scale.factor", 20);
    if (factor < 1 || factor > 100) {
        factor = 20;
    }
    if (!firing) {
        return min;
    }
    const auto step = static_cast<std::uint64_t>(
        std::ceil(static_cast<double>(max) * static_cast<double>(factor) / 100.0));
    if (step == 0) {
        return current;
    }
    return std::min(current + step, max);
}

awaitable<void> handle_alert(ThreadState& ts, http::Exchange& ex) {
    const Shared& sh = ts.shared;
    auto body = co_await ex.read_body(1U << 20U);
    if (!body) {
        ex.close_connection();
        (void)co_await ex.respond(http::text_error(400, "Unable to parse alert, bad format."));
        co_return;
    }
    auto alerts = parse_alerts(body.value());
    if (!alerts) {
        (void)co_await ex.respond(http::text_error(400, "Unable to parse alert, bad format."));
        co_return;
    }
    std::string errors;
    for (std::size_t i = 0; i < alerts->size(); ++i) {
        const Alert& a = (*alerts)[i];
        const auto q = openfaas::split_name(a.function, sh.config.function_namespace);
        std::string target = "/system/function/" + q.name + "?namespace=" + q.namespace_ + "&usage=false";
        auto st = co_await ts.provider_call("GET", std::move(target), "", std::chrono::seconds(5));
        if (!st || st->status != 200) {
            continue;  // a failing status lookup is skipped, as OpenFaaS does
        }
        auto status = openfaas::parse_status(st->body);
        if (!status) {
            continue;
        }
        const std::uint64_t want = alert_target(status->labels, status->replicas, a.status == "firing");
        if (want == status->replicas) {
            continue;
        }
        openfaas::ScaleServiceRequest req;
        req.service_name = q.name;
        req.namespace_ = q.namespace_;
        req.replicas = want;
        std::string scale_body = openfaas::to_json(req);
        std::string scale_target = "/system/scale-function/" + q.name + "?namespace=" + q.namespace_;
        auto r = co_await ts.provider_call("POST", std::move(scale_target), std::move(scale_body),
                                           std::chrono::seconds(10));
        if (!r || (r->status != 200 && r->status != 202)) {
            const std::string why = !r ? r.error().what() : "provider answered " + std::to_string(r->status);
            errors += "[" + std::to_string(i) + "] " + why + "\n";
            sh.log->warn("alert scale failed fn={}.{} replicas={} error=\"{}\"", q.name, q.namespace_,
                         want, why);
            continue;
        }
        sh.log->info("alert scaled fn={}.{} status={} from={} to={}", q.name, q.namespace_, a.status,
                     status->replicas, want);
    }
    if (!errors.empty()) {
        (void)co_await ex.respond(http::text_error(500, errors));
        co_return;
    }
    http::Response ok;
    (void)co_await ex.respond(std::move(ok));
}

}  // namespace faas::gateway
