// Watches against the stand-in: replays of 55 (resume from a list revision, with bookmarks),
// 75 (too old: 200 + ERROR 410), 77 (resourceVersion=0: synthetic ADDED), the etcd 3.5
// behaviour 64's caveat describes, and the test hooks (drop every watch, go unavailable).
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "tests/unit/kube/standin.hpp"

namespace faas::test::kube {

namespace {

Value events_of(const std::string& body) {
    Value events = Value::array();
    std::size_t start = 0;
    while (start < body.size()) {
        auto end = body.find('\n', start);
        if (end == std::string::npos) {
            end = body.size();
        }
        auto e = Value::parse(std::string_view(body).substr(start, end - start));
        REQUIRE_MESSAGE(e.ok(), "not a watch event: " << body.substr(start, end - start));
        events.push_back(std::move(e).value());
        start = end + 1;
    }
    return events;
}

Value recorded_event_object(const Transcript& t, std::size_t i) {
    return *recorded_body(t).items().at(i).find("object");
}

http::Request watch_request(const std::string& query) {
    http::Request req;
    req.target = "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/endpointslices?watch=1&"
                 "labelSelector=kubernetes.io%2Fservice-name%3Decho&" + query;
    req.headers.set("Authorization", "Bearer admin-token");
    return req;
}

}  // namespace

TEST_SUITE("kube stand-in: watches") {

TEST_CASE("kube stand-in: watch from resourceVersion=0 starts with ADDED for what exists (77)") {
    StandIn s;
    s.namespace_exists();
    const auto t = load_transcript("77-watch-epslice-rv0.json");
    (void)s.seed(gvr::kEndpointSlices, recorded_event_object(t, 0));
    expect_matches_transcript(t, s.send(t));
}

TEST_CASE("kube stand-in: watch from a list revision gets later changes and a bookmark (55)") {
    StandIn s;
    s.namespace_exists();
    const auto t = load_transcript("55-watch-epslice-pod-ready.json");
    Value modified = recorded_event_object(t, 0);
    Value pending = modified;
    pending["endpoints"] = Value();
    pending["ports"] = Value();
    pending.set({"metadata", "generation"}, 1);
    pending.erase({"metadata", "annotations"});
    (void)s.seed(gvr::kEndpointSlices, pending);
    const std::string from = s.current_rv(gvr::kEndpointSlices, "openfaas-fn", "echo-2rnqd");
    s.server().call([&](Store& store) {
        modified.set({"metadata", "resourceVersion"}, "");
        REQUIRE(store.update(gvr::kEndpointSlices, modified).ok());
    });
    // As recorded but shorter: the real server's 8 s timeout gives one bookmark ~2 s before
    // the end, so 3 s gives the same stream.
    http::Request req = t.http_request("admin-token");
    req.target = "/apis/discovery.k8s.io/v1/namespaces/openfaas-fn/endpointslices?watch=1&"
                 "labelSelector=kubernetes.io%2Fservice-name%3Decho&resourceVersion=" +
                 from + "&allowWatchBookmarks=true&timeoutSeconds=3";
    expect_matches_transcript(t, s.call(std::move(req)));
}

TEST_CASE("kube stand-in: a watch from a compacted revision gets 200 and one ERROR 410 (75)") {
    StandIn s;
    s.namespace_exists();
    Value p = Value::object();
    p.set({"metadata", "name"}, "echo-1");
    p.set({"metadata", "namespace"}, "openfaas-fn");
    (void)s.seed(gvr::kPods, p);
    s.server().compact();
    const auto t = load_transcript("75-watch-rv1-410-expired.json");
    const auto res = s.send(t);
    // The revision in brackets is each server's own.
    expect_matches_transcript(t, res, {"[].object.message"});
    const Value events = events_of(res.body);
    REQUIRE(events.size() == 1);
    CHECK(events.items()[0].string_at({"object", "message"})
              .starts_with("too old resource version: 1 ("));
}

TEST_CASE("kube stand-in: a watch with no resourceVersion and bookmarks sends the initial "
          "events and an initial-events-end bookmark (etcd 3.5 behaviour of 64)") {
    StandIn s;
    s.namespace_exists();
    const auto t = load_transcript("77-watch-epslice-rv0.json");
    (void)s.seed(gvr::kEndpointSlices, recorded_event_object(t, 0));
    const auto res = s.call(watch_request("allowWatchBookmarks=true&timeoutSeconds=1"));
    CHECK(res.status == 200);
    CHECK(res.headers.get("Content-Type").value_or("") == "application/json");
    const Value events = events_of(res.body);
    REQUIRE(events.size() == 2);
    CHECK(events.items()[0].string_at({"type"}) == "ADDED");
    CHECK(events.items()[1].string_at({"type"}) == "BOOKMARK");
    CHECK(events.items()[1].string_at({"object", "metadata", "annotations",
                                       "k8s.io/initial-events-end"}) == "true");
}

TEST_CASE("kube stand-in: bookmarks come at the configured interval") {
    ServerOptions options = standin_options();
    options.bookmark_interval = std::chrono::milliseconds(200);
    StandIn s(options);
    s.namespace_exists();
    const auto res = s.call(watch_request("resourceVersion=1&allowWatchBookmarks=true&"
                                          "timeoutSeconds=2"));
    const Value events = events_of(res.body);
    CHECK(events.size() >= 3);
    for (const auto& e : events.items()) {
        CHECK(e.string_at({"type"}) == "BOOKMARK");
        CHECK(e.at({"object", "endpoints"})->is_null());
    }
}

TEST_CASE("kube stand-in: live MODIFIED and DELETED events reach a watch; drop_watches ends it") {
    StandIn s;
    s.namespace_exists();
    const auto t = load_transcript("77-watch-epslice-rv0.json");
    Value slice = recorded_event_object(t, 0);
    (void)s.seed(gvr::kEndpointSlices, slice);
    const std::string from = s.current_rv(gvr::kEndpointSlices, "openfaas-fn", "echo-2rnqd");
    auto watching = std::async(std::launch::async, [&s, from] {
        SyncClient client;
        return client.call(s.server().port(),
                           watch_request("resourceVersion=" + from + "&timeoutSeconds=60"));
    });
    s.server().call([](Store& store) {
        REQUIRE(store.remove(gvr::kEndpointSlices, "openfaas-fn", "echo-2rnqd").ok());
    });
    // The watch is open (the server thread handled the request before this call returns once
    // the DELETED event is queued); dropping it ends the response abruptly.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    s.server().drop_watches();
    REQUIRE(watching.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto res = watching.get();
    if (res.ok()) {
        CHECK(res->body.find("\"DELETED\"") != std::string::npos);
    }
}

TEST_CASE("kube stand-in: unavailable refuses connections; available again on the same port "
          "with the same objects") {
    StandIn s;
    s.namespace_exists();
    const auto port = s.server().port();
    s.server().set_available(false);
    SyncClient client;
    http::Request req;
    req.target = "/api/v1/namespaces/openfaas-fn";
    req.headers.set("Authorization", "Bearer admin-token");
    CHECK_FALSE(client.call(port, req, std::chrono::seconds(2)).ok());
    s.server().set_available(true);
    CHECK(s.server().port() == port);
    CHECK(s.call(req).status == 200);
}

}  // TEST_SUITE

}  // namespace faas::test::kube
