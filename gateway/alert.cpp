// POST /system/alert (docs/wire-contract.md §1.10): an AlertManager webhook moves each named
// function one step up while its alert fires and back to its minimum when it resolves.
#include <cmath>
#include <string>
#include <vector>

#include "core/http/respond.hpp"
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

namespace {

// Scales one alert's function to the replica count the alert asks for. "" when done (or skipped:
// a failing status lookup is skipped, as OpenFaaS does), else why the scale request failed.
awaitable<std::string> apply_alert(ThreadState& ts, const Alert& a) {
    const Shared& sh = ts.shared;
    const auto q = openfaas::split_name(a.function, sh.config.function_namespace);
    std::string name = q.name;
    std::string ns = q.namespace_;
    auto found = co_await ts.provider.lookup_function(name, ns, std::chrono::seconds(5));
    if (!found.status) {
        co_return std::string();
    }
    const openfaas::FunctionStatus& status = *found.status;
    const std::uint64_t want = alert_target(status.labels, status.replicas, a.status == "firing");
    if (want == status.replicas) {
        co_return std::string();
    }
    auto r = co_await ts.provider.scale(name, ns, want);
    if (!r || (r->status != 200 && r->status != 202)) {
        std::string why = !r ? r.error().what() : "provider answered " + std::to_string(r->status);
        sh.log->warn("alert scale failed fn={}.{} replicas={} error=\"{}\"", q.name, q.namespace_,
                     want, why);
        co_return why;
    }
    sh.log->info("alert scaled fn={}.{} status={} from={} to={}", q.name, q.namespace_, a.status,
                 status.replicas, want);
    co_return std::string();
}

}  // namespace

awaitable<void> handle_alert(ThreadState& ts, http::Exchange& ex) {
    auto body = co_await ex.read_body(1U << 20U);
    const auto alerts = body ? parse_alerts(body.value()) : std::nullopt;
    if (!alerts) {
        if (!body) {
            ex.close_connection();
        }
        http::Response bad = http::error_response(
            make_error(errc::bad_request, "Unable to parse alert, bad format."));
        co_await http::send(ex, std::move(bad));
        co_return;
    }
    std::string errors;
    for (std::size_t i = 0; i < alerts->size(); ++i) {
        const std::string why = co_await apply_alert(ts, (*alerts)[i]);
        if (!why.empty()) {
            errors += "[" + std::to_string(i) + "] " + why + "\n";
        }
    }
    http::Response res;
    if (!errors.empty()) {
        res = http::error_response(make_error(errc::internal, errors));
    }
    co_await http::send(ex, std::move(res));
}

}  // namespace faas::gateway
