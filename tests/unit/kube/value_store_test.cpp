// The stand-in's building blocks on their own: Value, selectors, patches and the Store's
// revision, generation, finalizer and history rules.
#include <doctest/doctest.h>

#include "tests/support/kube/patch.hpp"
#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

namespace {

Value parse(std::string_view text) {
    auto v = Value::parse(text);
    REQUIRE(v.ok());
    return std::move(v).value();
}

Value deployment(std::string_view name) {
    Value d = Value::object();
    d.set({"metadata", "name"}, name);
    d.set({"metadata", "namespace"}, "ns");
    d.set({"metadata", "labels", "app"}, name);
    d.set({"spec", "replicas"}, 1);
    return d;
}

}  // namespace

TEST_SUITE("kube stand-in: value and store") {

TEST_CASE("kube value: parses, keeps key order, paths read and write") {
    Value v = parse(R"({"b":1,"a":{"x":[1,2.5,"s",null,true]}})");
    CHECK(v.dump() == R"({"b":1,"a":{"x":[1,2.5,"s",null,true]}})");
    CHECK(v.at({"a", "x"})->size() == 5);
    v.set({"c", "d"}, "e");
    CHECK(v.string_at({"c", "d"}) == "e");
    CHECK(v.erase({"a", "x"}));
    CHECK(v.dump() == R"({"b":1,"a":{},"c":{"d":"e"}})");
    CHECK(parse(R"({"a":1,"b":2})") == parse(R"({"b":2,"a":1.0})"));
}

TEST_CASE("kube selectors: equality, inequality, set and existence terms") {
    const Value labels = parse(R"({"app":"echo","tier":"fn"})");
    auto match = [&labels](std::string_view s) {
        auto sel = LabelSelector::parse(s);
        REQUIRE(sel.ok());
        return sel->matches(labels);
    };
    CHECK(match("app=echo"));
    CHECK(match("app==echo,tier"));
    CHECK_FALSE(match("app!=echo"));
    CHECK(match("app in (a, echo)"));
    CHECK_FALSE(match("app notin (echo)"));
    CHECK(match("!missing"));
    CHECK_FALSE(match("missing"));
    auto fields = FieldSelector::parse("reason=Failed,metadata.name!=x");
    REQUIRE(fields.ok());
    CHECK(fields->matches(parse(R"({"reason":"Failed","metadata":{"name":"y"}})")));
    CHECK_FALSE(fields->matches(parse(R"({"reason":"Ok","metadata":{"name":"y"}})")));
}

TEST_CASE("kube patches: merge patch replaces lists, strategic merges them by key") {
    const Value target = parse(R"({"c":[{"name":"a","env":[{"name":"x","value":"1"}]}],
                                  "keep":1,"drop":2})");
    const Value patch = parse(R"({"c":[{"name":"a","env":[{"name":"y","value":"2"}]}],
                                 "drop":null})");
    CHECK(merge_patch(target, patch) == parse(R"({"c":[{"name":"a","env":[{"name":"y",
        "value":"2"}]}],"keep":1})"));
    const Value containers = parse(R"({"containers":[{"name":"a","image":"i",
        "env":[{"name":"x","value":"1"}]}]})");
    const Value smp = parse(R"({"containers":[{"name":"a","env":[{"name":"x","value":"9"},
        {"name":"y","value":"2"}]},{"name":"b","image":"j"}]})");
    CHECK(strategic_merge_patch(containers, smp) ==
          parse(R"({"containers":[{"name":"a","image":"i","env":[{"name":"x","value":"9"},
              {"name":"y","value":"2"}]},{"name":"b","image":"j"}]})"));
    const Value del = parse(R"({"containers":[{"name":"a","$patch":"delete"}]})");
    CHECK(strategic_merge_patch(containers, del) == parse(R"({"containers":[]})"));
}

TEST_CASE("kube store: revisions, generation on spec changes, conflicts, no-op updates") {
    Store store;
    auto created = store.create(gvr::kDeployments, deployment("echo"));
    REQUIRE(created.ok());
    CHECK(created->int_at({"metadata", "generation"}) == 1);
    const std::string rv = created->string_at({"metadata", "resourceVersion"});
    CHECK(store.create(gvr::kDeployments, deployment("echo")).error().code == 409);

    Value meta_only = created.value();
    meta_only.set({"metadata", "annotations", "a"}, "b");
    auto updated = store.update(gvr::kDeployments, meta_only);
    REQUIRE(updated.ok());
    CHECK(updated->int_at({"metadata", "generation"}) == 1);
    CHECK(updated->string_at({"metadata", "resourceVersion"}) != rv);

    CHECK(store.update(gvr::kDeployments, meta_only).error().reason == "Conflict");
    Value spec = updated.value();
    spec.set({"spec", "replicas"}, 3);
    auto scaled = store.update(gvr::kDeployments, spec);
    REQUIRE(scaled.ok());
    CHECK(scaled->int_at({"metadata", "generation"}) == 2);
    const auto before = store.revision();
    REQUIRE(store.update(gvr::kDeployments, scaled.value()).ok());
    CHECK(store.revision() == before);
}

TEST_CASE("kube store: finalizers hold a deleted object until they are removed") {
    Store store;
    std::vector<std::string> seen;
    (void)store.subscribe([&seen](const Event& e) { seen.emplace_back(to_string(e.type)); });
    REQUIRE(store.create(gvr::kDeployments, deployment("echo")).ok());
    DeleteOptions foreground;
    foreground.propagation = "Foreground";
    auto deleting = store.remove(gvr::kDeployments, "ns", "echo", foreground);
    REQUIRE(deleting.ok());
    CHECK_FALSE(deleting->gone);
    CHECK(deleting->object.at({"metadata", "deletionTimestamp"}) != nullptr);
    Value released = deleting->object;
    released.erase({"metadata", "finalizers"});
    REQUIRE(store.update(gvr::kDeployments, released).ok());
    CHECK(store.get(gvr::kDeployments, "ns", "echo") == nullptr);
    CHECK(seen == std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"});
}

TEST_CASE("kube store: history resumes a watch; compaction or the bound makes it too old") {
    StoreOptions options;
    options.history_limit = 2;
    Store store(options);
    const auto start = store.revision();
    REQUIRE(store.create(gvr::kDeployments, deployment("a")).ok());
    auto events = store.events_since(gvr::kDeployments, start);
    REQUIRE(events.has_value());
    CHECK(events->size() == 1);
    REQUIRE(store.create(gvr::kDeployments, deployment("b")).ok());
    REQUIRE(store.create(gvr::kDeployments, deployment("c")).ok());
    CHECK_FALSE(store.events_since(gvr::kDeployments, start).has_value());
    const auto now = store.revision();
    CHECK(store.events_since(gvr::kDeployments, now)->empty());
    store.compact();
    CHECK_FALSE(store.events_since(gvr::kDeployments, now - 1).has_value());
}

TEST_CASE("kube store: a listener's write is delivered after the event that caused it") {
    Store store;
    std::vector<std::int64_t> order;
    (void)store.subscribe([&](const Event& e) {
        order.push_back(e.revision);
        if (e.object->string_at({"metadata", "name"}) == "a") {
            REQUIRE(store.create(gvr::kDeployments, deployment("b")).ok());
        }
    });
    REQUIRE(store.create(gvr::kDeployments, deployment("a")).ok());
    REQUIRE(order.size() == 2);
    CHECK(order[0] < order[1]);
}

}  // TEST_SUITE

}  // namespace faas::test::kube
