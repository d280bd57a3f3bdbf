// The Kubernetes back end's watches: per function namespace, one list+watch loop over the
// functions' Deployments and one over their EndpointSlices (both labelled faas_function); what
// they know is published on the endpoint list. A watch resumes from the resourceVersion of its
// list (moved on by every event and BOOKMARK); when it ends (timeoutSeconds, a dropped
// connection, an ERROR event such as 410 Expired) the loop relists, with backoff on failures.
// Only a fresh list replaces what is known: a dropped watch never empties the endpoint list.
#include <algorithm>
#include <set>

#include "provider/backends/kubernetes/backend.hpp"
#include "provider/backends/kubernetes/backend_impl.hpp"
#include "provider/backends/kubernetes/spec.hpp"
#include "provider/deployment.hpp"

namespace faas::provider::kubernetes {

using namespace std::chrono_literals;

namespace {

constexpr auto kFirstBackoff = 250ms;
constexpr auto kMaxBackoff = 10s;
constexpr auto kNamespacePoll = 30s;

std::string list_path(const std::string& ns, KubernetesBackend::Kind kind) {
    const std::string base = kind == KubernetesBackend::Kind::Deployments
                                 ? "/apis/apps/v1/namespaces/" + ns + "/deployments"
                                 : "/apis/discovery.k8s.io/v1/namespaces/" + ns + "/endpointslices";
    return base + "?labelSelector=" + std::string(kFunctionLabel);
}

const char* kind_name(KubernetesBackend::Kind kind) {
    return kind == KubernetesBackend::Kind::Deployments ? "deployments" : "endpointslices";
}

std::chrono::nanoseconds next_backoff(std::chrono::nanoseconds b) {
    return std::min<std::chrono::nanoseconds>(b * 2, kMaxBackoff);
}

}  // namespace

void KubernetesBackend::note_api(const Status& st) {
    if (!st) {
        metrics_->api_errors.Increment();
        if (!api_down_) {
            api_down_ = true;
            log_->warn("kubernetes api failing api={} error=\"{}\"", target_.url,
                       st.error().what());
        }
    } else if (api_down_) {
        api_down_ = false;
        log_->info("kubernetes api reachable again api={}", target_.url);
    }
}

void KubernetesBackend::watch_namespace(const std::string& ns) {
    if (watched_.contains(ns) || stopping_) {
        return;
    }
    const std::uint64_t id = ++next_watch_id_;
    watched_[ns].id = id;
    asio::co_spawn(ex_, watch_loop(ns, Kind::Deployments, id), asio::detached);
    asio::co_spawn(ex_, watch_loop(ns, Kind::Slices, id), asio::detached);
    log_->info("watching namespace={}", ns);
}

bool KubernetesBackend::still_watched(const std::string& ns, std::uint64_t id) const {
    auto it = watched_.find(ns);
    return !stopping_ && it != watched_.end() && it->second.id == id;
}

awaitable<void> KubernetesBackend::namespace_poll() {
    while (!stopping_) {
        auto names = co_await labelled_namespaces();
        if (names && !stopping_) {
            const std::set<std::string> now(names->begin(), names->end());
            for (const auto& ns : now) {
                watch_namespace(ns);
            }
            const bool dropped = std::erase_if(watched_, [&](const auto& kv) {
                return kv.first != default_namespace() && !now.contains(kv.first);
            }) > 0;
            if (dropped) {
                publish();
            }
        }
        co_await pause(kNamespacePoll);
    }
}

awaitable<void> KubernetesBackend::watch_loop(std::string ns, Kind kind, std::uint64_t id) {
    std::chrono::nanoseconds backoff = kFirstBackoff;
    while (still_watched(ns, id)) {
        auto rv = co_await relist(ns, kind);
        note_api(rv ? Status{} : Status(rv.error()));
        if (!rv) {
            co_await pause(backoff);
            backoff = next_backoff(backoff);
            continue;
        }
        if (!still_watched(ns, id)) {
            break;
        }
        const auto began = std::chrono::steady_clock::now();
        const Status st = co_await watch(ns, kind, *rv);
        if (!still_watched(ns, id)) {
            break;
        }
        if (!st) {
            log_->debug("watch ended namespace={} kind={} error=\"{}\"", ns, kind_name(kind),
                        st.error().what());
        }
        // A watch that ends at once (or fails) again and again must not spin.
        if (!st || std::chrono::steady_clock::now() - began < 1s) {
            co_await pause(backoff);
            backoff = next_backoff(backoff);
        } else {
            backoff = kFirstBackoff;
        }
    }
}

awaitable<Result<std::string>> KubernetesBackend::relist(const std::string& ns, Kind kind) {
    const std::string path = list_path(ns, kind);
    const std::string what = std::string("listing ") + kind_name(kind) + " in " + ns;
    auto body = co_await api_.get(path, what);
    if (!body) {
        co_return body.error();
    }
    auto it = watched_.find(ns);
    if (it == watched_.end()) {
        co_return std::string();
    }
    std::string rv;
    if (kind == Kind::Deployments) {
        auto list = parse_deployment_list(*body);
        if (!list) {
            co_return list.error();
        }
        it->second.deployments.clear();
        for (auto& d : list->items) {
            if (d.is_function) {
                it->second.deployments[d.name] = std::move(d);
            }
        }
        rv = list->resource_version;
    } else {
        auto list = parse_slice_list(*body);
        if (!list) {
            co_return list.error();
        }
        it->second.slices.clear();
        for (auto& s : list->items) {
            it->second.slices[s.name] = std::move(s);
        }
        rv = list->resource_version;
    }
    publish();
    co_return rv;
}

awaitable<Status> KubernetesBackend::watch(const std::string& ns, Kind kind, std::string rv) {
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(config_.kubernetes.watch_timeout);
    const std::string path = list_path(ns, kind) + "&watch=1&resourceVersion=" + rv +
                             "&allowWatchBookmarks=true&timeoutSeconds=" +
                             std::to_string(secs.count());
    const std::uint64_t id = watched_.at(ns).id;
    http::StreamOptions opts;
    // The server ends the watch after timeoutSeconds; silence well past that is a dead peer.
    opts.idle_timeout = config_.kubernetes.watch_timeout + 30s;
    std::string partial;
    bool relist_now = false;
    http::BodySink sink = [this, &ns, kind, id, &rv, &partial, &relist_now](std::string_view p) {
        if (!still_watched(ns, id)) {
            return false;
        }
        partial.append(p);
        std::size_t start = 0;
        for (auto nl = partial.find('\n'); nl != std::string::npos;
             nl = partial.find('\n', start)) {
            const std::string_view line(partial.data() + start, nl - start);
            start = nl + 1;
            if (!on_event(ns, kind, line, rv)) {
                relist_now = true;
                return false;
            }
        }
        partial.erase(0, start);
        return true;
    };
    const std::string what = std::string("watching ") + kind_name(kind) + " in " + ns;
    const Status st = co_await api_.stream(path, opts, std::move(sink), what);
    if (relist_now) {
        co_return make_error(errc::timeout, what + ": the watch asked for a relist");
    }
    co_return st;
}

bool KubernetesBackend::on_event(const std::string& ns, Kind kind, std::string_view line,
                                 std::string& rv) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) {
        return true;
    }
    json::Document doc;
    simdjson::dom::element object;
    auto ev = parse_watch_event(line, doc, object);
    if (!ev) {
        log_->warn("watch event unreadable namespace={} kind={} error=\"{}\"", ns, kind_name(kind),
                   ev.error().what());
        return false;
    }
    if (ev->type == "ERROR") {
        // 410 Expired: the resourceVersion left the watch cache; anything else: start again.
        log_->info("watch error namespace={} kind={} code={} message=\"{}\"", ns, kind_name(kind),
                   ev->error ? ev->error->code : 0, ev->error ? ev->error->message : "");
        return false;
    }
    if (!ev->resource_version.empty()) {
        rv = ev->resource_version;
    }
    if (ev->type == "BOOKMARK") {
        return true;
    }
    Watched& w = watched_.at(ns);
    const bool deleted = ev->type == "DELETED";
    if (kind == Kind::Slices) {
        SliceInfo s = parse_slice(object);
        if (deleted) {
            w.slices.erase(s.name);
        } else {
            w.slices[s.name] = std::move(s);
        }
    } else if (auto d = parse_deployment(object); d) {
        const std::string name = d->name;
        if (deleted || !d->is_function) {
            w.deployments.erase(name);
        } else {
            w.deployments[name] = std::move(d).value();
        }
    }
    publish();
    return true;
}

std::vector<EndpointInfo> KubernetesBackend::ready_endpoints(const Watched& w,
                                                            const std::string& name) const {
    std::vector<EndpointInfo> ready;
    for (const auto& [slice, s] : w.slices) {
        if (s.service != name) {
            continue;
        }
        for (const auto& e : s.ready) {
            // A pod can sit in two slices for a moment while the controller moves it.
            if (std::none_of(ready.begin(), ready.end(),
                             [&e](const EndpointInfo& r) { return r.id == e.id; })) {
                ready.push_back(e);
            }
        }
    }
    std::sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return ready;
}

void KubernetesBackend::publish() {
    std::vector<FunctionView> views;
    std::map<std::string, std::pair<std::uint64_t, std::size_t>> counts;
    for (const auto& [ns, w] : watched_) {
        for (const auto& [name, d] : w.deployments) {
            FunctionView v;
            v.name = name;
            v.namespace_ = ns;
            v.replicas = d.replicas;
            v.min_replicas = scale_min(d.deployment);
            v.annotations = d.deployment.annotations.value_or(openfaas::StringMap{});
            v.endpoints = ready_endpoints(w, name);
            std::string key = name;
            key += "." + ns;
            counts[key] = {v.replicas, v.endpoints.size()};
            views.push_back(std::move(v));
        }
    }
    metrics_->functions.report(counts);
    if (board_.set(std::move(views))) {
        log_->debug("endpoint list generation={}", board_.generation());
    }
}

}  // namespace faas::provider::kubernetes
