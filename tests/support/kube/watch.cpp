// Watches (?watch=1): HTTP 200, chunked application/json, one {"type","object"} per line.
// From a resourceVersion: the kept events after it, then live ones; too old: one ERROR event
// with a 410 Expired Status. resourceVersion=0 or none: synthetic ADDED for the current state
// first; with none and allowWatchBookmarks (sendInitialEvents defaults to true in 1.32, as an
// etcd 3.5 cluster answers), a BOOKMARK annotated k8s.io/initial-events-end follows them.
// BOOKMARKs every ServerOptions::bookmark_interval when asked for; timeoutSeconds ends the
// stream cleanly; drop_watches() aborts the connection.
#include <chrono>
#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

using Clock = std::chrono::steady_clock;

// A bookmark's object: the kind's Go zero value with only the resourceVersion set.
Value bookmark_object(const ResourceInfo& r, std::int64_t revision, bool initial_end) {
    Value o = Value::object();
    o["kind"] = r.kind;
    o["apiVersion"] = r.gvr.api_version();
    Value& meta = o["metadata"];
    meta["resourceVersion"] = std::to_string(revision);
    meta["creationTimestamp"] = Value();
    if (initial_end) {
        meta["annotations"]["k8s.io/initial-events-end"] = "true";
    }
    const auto& g = r.gvr;
    if (g == gvr::kEndpointSlices) {
        o["addressType"] = "";
        o["endpoints"] = Value();
        o["ports"] = Value();
    } else if (g == gvr::kPods) {
        o["spec"]["containers"] = Value();
        o["status"] = Value::object();
    } else if (g == gvr::kDeployments || g == gvr::kReplicaSets || g == gvr::kStatefulSets) {
        o["spec"]["selector"] = Value();
        o.set({"spec", "template", "metadata", "creationTimestamp"}, Value());
        o.set({"spec", "template", "spec", "containers"}, Value());
        o["status"] = Value::object();
    } else if (r.has_status) {
        o["spec"] = Value::object();
        o["status"] = Value::object();
    }
    return o;
}

std::string event_line(std::string_view type, const Value& object) {
    json::Writer w;
    w.begin_object().key("type").value(type).key("object");
    object.write(w);
    w.end_object();
    return std::move(w).str() + "\n";
}

struct WatchSpec {
    LabelSelector labels;
    FieldSelector fields;
    bool bookmarks = false;
    bool initial_end_bookmark = false;
    bool initial_events = false;
    std::optional<std::int64_t> from;  // resume after this revision
    Clock::time_point deadline;
};

ApiResult<WatchSpec> watch_spec(const ApiRequest& req) {
    WatchSpec spec;
    auto selectors = parse_selectors(req);
    if (!selectors) {
        return selectors.error();
    }
    spec.labels = std::move(selectors->labels);
    spec.fields = std::move(selectors->fields);
    spec.bookmarks = http::query_value(req.query, "allowWatchBookmarks") == "true";
    const std::string rv = http::query_value(req.query, "resourceVersion");
    const std::string initial = http::query_value(req.query, "sendInitialEvents");
    if (rv.empty() || rv == "0") {
        spec.initial_events = initial != "false";
        spec.initial_end_bookmark = spec.bookmarks && (initial == "true" || rv.empty());
    } else if (auto n = text::parse_uint(rv)) {
        spec.from = static_cast<std::int64_t>(*n);
    } else {
        return bad_request("invalid resource version: " + rv);
    }
    const auto timeout = text::parse_uint(http::query_value(req.query, "timeoutSeconds"));
    // Without timeoutSeconds the real server picks 30-60 minutes.
    spec.deadline = Clock::now() + std::chrono::seconds(timeout.value_or(1800));
    return spec;
}

bool selected(const ApiRequest& req, const WatchSpec& spec, const Value& object) {
    if (!req.ns.empty() && object.string_at({"metadata", "namespace"}) != req.ns) {
        return false;
    }
    const Value* labels = object.at({"metadata", "labels"});
    const Value none;
    return spec.labels.matches(labels ? *labels : none) && spec.fields.matches(object);
}

awaitable<bool> write_line(http::Exchange& ex, std::string line) {
    auto sent = co_await ex.write_body(line);
    co_return sent.ok();
}

// The events before going live: history after `from`, or the current state as ADDED.
std::optional<std::vector<std::string>> opening_lines(State& state,
                                                      const ApiRequest& req,
                                                      const WatchSpec& spec) {
    std::vector<std::string> lines;
    const auto& gvr = req.resource->gvr;
    if (spec.from) {
        auto events = state.store.events_since(gvr, *spec.from);
        if (!events) {
            return std::nullopt;
        }
        for (const auto& e : *events) {
            if (selected(req, spec, *e.object)) {
                lines.push_back(event_line(to_string(e.type), *e.object));
            }
        }
    } else if (spec.initial_events) {
        for (const auto& object : state.store.list(gvr, req.ns, spec.labels, spec.fields)) {
            lines.push_back(event_line("ADDED", object));
        }
    }
    if (spec.initial_end_bookmark) {
        lines.push_back(event_line(
            "BOOKMARK", bookmark_object(*req.resource, state.store.revision(), true)));
    }
    return lines;
}

awaitable<void> send_expired(State& state, http::Exchange& ex, std::int64_t from) {
    ApiError e;
    e.code = 410;
    e.reason = "Expired";
    e.message = "too old resource version: " + std::to_string(from) + " (" +
                std::to_string(state.store.compacted_revision() + 1) + ")";
    std::string line = event_line("ERROR", status_object(e));
    (void)co_await write_line(ex, std::move(line));
    (void)co_await ex.end_response();
}

// Streams queued events and bookmarks until the deadline, a drop or a failed write.
awaitable<void> stream(State& state,
                       const ApiRequest& req,
                       const WatchSpec& spec,
                       WatchSlot& slot,
                       http::Exchange& ex) {
    // Bookmarks come every interval and once about 2 s before the deadline (as the real
    // watch cache does, so a client can resume from a fresh resourceVersion).
    auto next_bookmark = Clock::now() + state.options.bookmark_interval;
    auto last_call = spec.deadline - std::chrono::seconds(2);
    if (last_call > Clock::now() && last_call < next_bookmark) {
        next_bookmark = last_call;
    }
    while (!slot.dropped) {
        std::vector<Event> events;
        events.swap(slot.queue);
        for (const auto& e : events) {
            std::string line = event_line(to_string(e.type), *e.object);
            if (!co_await write_line(ex, std::move(line))) {
                co_return;
            }
        }
        const auto now = Clock::now();
        if (now >= spec.deadline) {
            (void)co_await ex.end_response();
            co_return;
        }
        if (spec.bookmarks && now >= next_bookmark) {
            next_bookmark = now + state.options.bookmark_interval;
            if (last_call > now && last_call < next_bookmark) {
                next_bookmark = last_call;
            }
            std::string line =
                event_line("BOOKMARK", bookmark_object(*req.resource, state.store.revision(),
                                                       false));
            if (!co_await write_line(ex, std::move(line))) {
                co_return;
            }
        }
        slot.wake.reset();
        if (slot.queue.empty() && !slot.dropped) {
            const auto until = spec.bookmarks ? std::min(spec.deadline, next_bookmark)
                                              : spec.deadline;
            const auto wait = until - Clock::now();
            (void)co_await slot.wake.wait_for(wait);
        }
    }
    ex.abort();
}

}  // namespace

awaitable<void> serve_watch(State& state, ApiRequest req, http::Exchange& ex) {
    auto parsed = watch_spec(req);
    if (!parsed) {
        co_await send_error(ex, parsed.error());
        co_return;
    }
    const WatchSpec spec = std::move(parsed).value();
    // The opening events and the subscription happen with no suspension in between, so no
    // write falls between them.
    auto opening = opening_lines(state, req, spec);
    const auto executor = co_await asio::this_coro::executor;
    auto slot = std::make_shared<WatchSlot>(executor);
    slot->exchange = &ex;
    const Gvr gvr = req.resource->gvr;
    const auto id = state.store.subscribe([slot, gvr, &req, &spec](const Event& e) {
        if (e.gvr == gvr && selected(req, spec, *e.object)) {
            slot->queue.push_back(e);
            slot->wake.notify();
        }
    });
    state.watches.push_back(slot);
    struct Registration {
        State& state;
        Store::ListenerId id;
        std::shared_ptr<WatchSlot> slot;
        ~Registration() {
            state.store.unsubscribe(id);
            state.watches.remove(slot);
        }
    } registration{state, id, slot};

    http::Headers headers{{"Content-Type", "application/json"}};
    const std::optional<std::uint64_t> no_length;
    auto started = co_await ex.begin_response(200, headers, no_length);
    if (!started) {
        co_return;
    }
    if (!opening) {
        co_await send_expired(state, ex, spec.from.value_or(0));
        co_return;
    }
    for (auto& line : *opening) {
        if (!co_await write_line(ex, std::move(line))) {
            co_return;
        }
    }
    co_await stream(state, req, spec, *slot, ex);
}

}  // namespace faas::test::kube
