// GET pods/<name>/log: checked as the real server does (404 no pod, 400 unknown container, 204
// when the pod has no node), then the kubelet's part: the LogProvider streams the log as
// text/plain. Without a provider, a scheduled pod's log is the real server's 500 (no kubelet
// listening on the node's port 10250).
#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

std::vector<std::string> container_names(const Value& pod) {
    std::vector<std::string> names;
    for (auto list : {"containers", "initContainers"}) {
        if (const Value* containers = pod.at({"spec", list})) {
            for (const auto& c : containers->items()) {
                names.push_back(c.string_at({"name"}));
            }
        }
    }
    return names;
}

// The container to read, or the 400 the real server gives.
ApiResult<std::string> pick_container(const ApiRequest& req, const Value& pod) {
    const auto names = container_names(pod);
    std::string container = http::query_value(req.query, "container");
    if (container.empty()) {
        const Value* containers = pod.at({"spec", "containers"});
        if (containers != nullptr && containers->size() == 1) {
            return containers->items()[0].string_at({"name"});
        }
        std::string list;
        for (const auto& n : names) {
            list += (list.empty() ? "" : " ") + n;
        }
        return bad_request("a container name must be specified for pod " + req.name +
                           ", choose one of: [" + list + "]");
    }
    if (std::find(names.begin(), names.end(), container) == names.end()) {
        return bad_request("container " + container + " is not valid for pod " + req.name);
    }
    return container;
}

std::optional<std::int64_t> int_param(const ApiRequest& req, const std::string& key) {
    if (auto n = text::parse_uint(http::query_value(req.query, key))) {
        return static_cast<std::int64_t>(*n);
    }
    return std::nullopt;
}

ApiError no_kubelet(const State& state, const ApiRequest& req, const Value& pod,
                    const std::string& container) {
    std::string address = pod.string_at({"spec", "nodeName"});
    if (const Value* node = state.store.get(gvr::kNodes, "", address)) {
        if (const Value* addresses = node->at({"status", "addresses"})) {
            for (const auto& a : addresses->items()) {
                if (a.string_at({"type"}) == "InternalIP") {
                    address = a.string_at({"address"});
                }
            }
        }
    }
    ApiError e;
    e.code = 500;
    e.message = "Get \"https://" + address + ":10250/containerLogs/" + req.ns + "/" + req.name +
                "/" + container + "\": dial tcp " + address +
                ":10250: connect: connection refused";
    return e;
}

}  // namespace

awaitable<void> serve_log(State& state, ApiRequest req, http::Exchange& ex) {
    const Value* stored = state.store.get(gvr::kPods, req.ns, req.name);
    if (stored == nullptr) {
        co_await send_error(ex, not_found(gvr::kPods, req.name));
        co_return;
    }
    const Value pod = *stored;
    auto container = pick_container(req, pod);
    if (!container) {
        co_await send_error(ex, container.error());
        co_return;
    }
    if (pod.string_at({"spec", "nodeName"}).empty()) {
        http::Response empty;
        empty.status = 204;
        (void)co_await ex.respond(std::move(empty));
        co_return;
    }
    if (!state.log_provider) {
        const ApiError e = no_kubelet(state, req, pod, container.value());
        co_await send_error(ex, e);
        co_return;
    }
    LogRequest log{req.ns, req.name, container.value(),
                   http::query_value(req.query, "follow") == "true",
                   http::query_value(req.query, "timestamps") == "true",
                   int_param(req, "tailLines"), int_param(req, "sinceSeconds"),
                   int_param(req, "limitBytes"), http::query_value(req.query, "sinceTime")};
    http::Headers headers{{"Content-Type", "text/plain"}};
    const std::optional<std::uint64_t> no_length;
    auto started = co_await ex.begin_response(200, headers, no_length);
    if (!started) {
        co_return;
    }
    LogWrite write = [&ex](std::string_view data) -> awaitable<bool> {
        auto sent = co_await ex.write_body(data);
        co_return sent.ok();
    };
    LogProvider provider = state.log_provider;
    co_await provider(std::move(log), std::move(write));
    (void)co_await ex.end_response();
}

}  // namespace faas::test::kube
