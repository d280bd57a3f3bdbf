#include "gateway/snapshot.hpp"

#include "core/json/json.hpp"
#include "core/openfaas/async.hpp"

namespace faas::gateway {

namespace {

Error bad(std::string what) {
    return make_error(errc::bad_request, "endpoint list: " + std::move(what));
}

Result<Replica> parse_replica(simdjson::dom::element e) {
    if (!e.is_object()) {
        return bad("an endpoint is not an object");
    }
    Replica r;
    std::string_view id;
    if (e["id"].get(id) == simdjson::SUCCESS) {
        r.id = std::string(id);
    }
    std::string_view address;
    if (e["address"].get(address) != simdjson::SUCCESS || address.empty()) {
        return bad("an endpoint has no \"address\"");
    }
    std::uint64_t port = 0;
    if (e["port"].get(port) != simdjson::SUCCESS || port == 0 || port > 65535) {
        return bad("endpoint " + std::string(address) + " has no valid \"port\"");
    }
    r.endpoint.host = std::string(address);
    r.endpoint.port = static_cast<std::uint16_t>(port);
    if (r.id.empty()) {
        r.id = r.endpoint.key();
    }
    return r;
}

Result<FunctionEntry> parse_function(simdjson::dom::element e) {
    if (!e.is_object()) {
        return bad("a function is not an object");
    }
    FunctionEntry f;
    std::string_view s;
    if (e["name"].get(s) != simdjson::SUCCESS || s.empty()) {
        return bad("a function has no \"name\"");
    }
    f.name = std::string(s);
    if (e["namespace"].get(s) == simdjson::SUCCESS) {
        f.namespace_ = std::string(s);
    }
    std::uint64_t n = 0;
    if (e["replicas"].get(n) == simdjson::SUCCESS) {
        f.replicas = n;
    }
    if (e["minReplicas"].get(n) == simdjson::SUCCESS && n > 0) {
        f.min_replicas = n;
    }
    simdjson::dom::element eps;
    if (e["endpoints"].get(eps) == simdjson::SUCCESS && !eps.is_null()) {
        simdjson::dom::array arr;
        if (eps.get(arr) != simdjson::SUCCESS) {
            return bad("\"endpoints\" of " + f.name + " is not an array");
        }
        for (auto item : arr) {
            auto r = parse_replica(item);
            if (!r) {
                return r.error();
            }
            f.endpoints.push_back(std::move(r.value()));
        }
    }
    simdjson::dom::element ann;
    if (e["annotations"].get(ann) == simdjson::SUCCESS && !ann.is_null()) {
        simdjson::dom::object obj;
        if (ann.get(obj) != simdjson::SUCCESS) {
            return bad("\"annotations\" of " + f.name + " is not an object");
        }
        for (auto field : obj) {
            std::string_view value;
            if (field.value.get(value) != simdjson::SUCCESS) {
                return bad("annotation " + std::string(field.key) + " of " + f.name +
                           " is not a string");
            }
            f.annotations.insert_or_assign(std::string(field.key), std::string(value));
        }
    }
    derive_facts(f);
    return f;
}

}  // namespace

void derive_facts(FunctionEntry& f) {
    namespace oa = openfaas::async;
    std::string_view queue;
    if (auto it = f.annotations.find(std::string(oa::kQueueAnnotation));
        it != f.annotations.end()) {
        queue = it->second;
    }
    f.queue = oa::queue_or_default(queue);
    f.queue_error.clear();
    if (auto st = oa::check_queue_name(f.queue); !st) {
        f.queue_error =
            "annotation " + std::string(oa::kQueueAnnotation) + ": " + st.error().what();
    }
    f.worker_annotations.clear();
    for (const auto& [k, v] : f.annotations) {
        const bool ours = k.starts_with("com.openfaas.") || k.starts_with("com.faas.");
        if (ours && k != oa::kWebhookSecretAnnotation) {
            f.worker_annotations.emplace(k, v);
        }
    }
    f.webhook.reset();
    f.webhook_error.clear();
    auto hook = webhook::parse_config(f.annotations);
    if (!hook) {
        f.webhook_error = hook.error().what();
    } else {
        f.webhook = std::move(hook.value());
    }
}

Result<Snapshot> parse_snapshot(std::string_view text) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    const auto root = doc->root();
    if (!root.is_object()) {
        return bad("not a JSON object");
    }
    Snapshot snap;
    if (root["generation"].get(snap.generation) != simdjson::SUCCESS) {
        return bad("no \"generation\"");
    }
    simdjson::dom::element fns;
    if (root["functions"].get(fns) == simdjson::SUCCESS && !fns.is_null()) {
        simdjson::dom::array arr;
        if (fns.get(arr) != simdjson::SUCCESS) {
            return bad("\"functions\" is not an array");
        }
        for (auto item : arr) {
            auto f = parse_function(item);
            if (!f) {
                return f.error();
            }
            std::string key = f->name + "." + f->namespace_;
            snap.functions.insert_or_assign(std::move(key), std::move(f.value()));
        }
    }
    return snap;
}

}  // namespace faas::gateway
