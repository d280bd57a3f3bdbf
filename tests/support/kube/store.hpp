#pragma once
// Store: the stand-in API server's object store, playing etcd plus the apiserver's generic
// registry rules. Objects are kept as whole JSON values (with kind and apiVersion) under
// (resource, namespace, name); one global revision counter gives every write its
// resourceVersion; a change feed delivers every ADDED/MODIFIED/DELETED event in revision order
// and keeps a bounded history so a watch can resume or get 410 Expired.
//
// Threading: NOT thread-safe. The store, the REST handlers, every watch and every Controller run
// on the one server thread (ApiServer's single io_context); nothing else may touch the store
// except through ApiServer::call(), which runs a function on that thread and waits for it.
// Listeners are called on that thread too, after the write that caused the event returned
// control to the store; a listener may write back (create/update/remove): such writes are
// queued and their events delivered after the current one, so every listener sees events in
// revision order.
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "core/assert.hpp"
#include "tests/support/kube/value.hpp"

namespace faas::test::kube {

// A resource type: API group ("" for core), version and plural resource name. The views point
// at static strings (the constants below or the server's resource table).
struct Gvr {
    std::string_view group;
    std::string_view version;
    std::string_view resource;

    // "apps/v1", or "v1" for the core group.
    std::string api_version() const;
    // Identity is group + resource (each resource is served in one version here).
    bool operator==(const Gvr& o) const noexcept {
        return group == o.group && resource == o.resource;
    }
    auto operator<=>(const Gvr& o) const noexcept {
        return std::tie(group, resource) <=> std::tie(o.group, o.resource);
    }
};

namespace gvr {
inline constexpr Gvr kNamespaces{"", "v1", "namespaces"};
inline constexpr Gvr kPods{"", "v1", "pods"};
inline constexpr Gvr kServices{"", "v1", "services"};
inline constexpr Gvr kSecrets{"", "v1", "secrets"};
inline constexpr Gvr kConfigMaps{"", "v1", "configmaps"};
inline constexpr Gvr kEvents{"", "v1", "events"};
inline constexpr Gvr kNodes{"", "v1", "nodes"};
inline constexpr Gvr kServiceAccounts{"", "v1", "serviceaccounts"};
inline constexpr Gvr kPersistentVolumeClaims{"", "v1", "persistentvolumeclaims"};
inline constexpr Gvr kDeployments{"apps", "v1", "deployments"};
inline constexpr Gvr kReplicaSets{"apps", "v1", "replicasets"};
inline constexpr Gvr kStatefulSets{"apps", "v1", "statefulsets"};
inline constexpr Gvr kEndpointSlices{"discovery.k8s.io", "v1", "endpointslices"};
inline constexpr Gvr kRoles{"rbac.authorization.k8s.io", "v1", "roles"};
inline constexpr Gvr kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
inline constexpr Gvr kRoleBindings{"rbac.authorization.k8s.io", "v1", "rolebindings"};
inline constexpr Gvr kClusterRoleBindings{"rbac.authorization.k8s.io", "v1",
                                          "clusterrolebindings"};
}  // namespace gvr

// An API error, answered as a `Status` object (reason "" = no reason key, details null = no
// details key), exactly as the real server shapes it.
struct ApiError {
    int code = 500;
    std::string reason;
    std::string message;
    Value details;
};

// The `Status` object for an error.
Value status_object(const ApiError& error);
// The usual errors: `details` filled as the real server does for a resource (group key only
// for non-core groups, kind = the plural resource).
ApiError not_found(const Gvr& gvr, std::string_view name);
ApiError already_exists(const Gvr& gvr, std::string_view name);
ApiError conflict(const Gvr& gvr, std::string_view name);

template <class T>
class [[nodiscard]] ApiResult {
public:
    ApiResult(T value) : v_(std::move(value)) {}     // NOLINT(google-explicit-constructor)
    ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & {
        FAAS_ASSERT(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        FAAS_ASSERT(ok());
        return std::get<0>(std::move(v_));
    }
    const T& value() const& {
        FAAS_ASSERT(ok());
        return std::get<0>(v_);
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const ApiError& error() const {
        FAAS_ASSERT(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, ApiError> v_;
};

// A label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, joined
// by commas (all must hold). The empty selector matches everything.
class LabelSelector {
public:
    static ApiResult<LabelSelector> parse(std::string_view text);
    // A metav1.LabelSelector object ({matchLabels, matchExpressions}) as used by Deployments;
    // null or {} matches everything.
    static LabelSelector from_object(const Value& selector);
    // A plain map {key: value} as used by a Service's spec.selector.
    static LabelSelector from_map(const Value& labels);
    bool matches(const Value& labels) const;
    bool empty() const noexcept { return terms_.empty(); }
    // "a=b,c in (d)" form (the Scale subresource's status.selector).
    std::string to_string() const;

private:
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
    struct Term {
        std::string key;
        Op op = Op::Equals;
        std::vector<std::string> values;
    };
    std::vector<Term> terms_;
};

// A field selector: `path=value`, `path==value`, `path!=value` joined by commas, where the path
// is dotted (`metadata.name`, `reason`, `spec.nodeName`, `status.phase`). A missing field
// compares as "".
class FieldSelector {
public:
    static ApiResult<FieldSelector> parse(std::string_view text);
    bool matches(const Value& object) const;
    bool empty() const noexcept { return terms_.empty(); }

private:
    struct Term {
        std::vector<std::string> path;
        std::string value;
        bool negated = false;
    };
    std::vector<Term> terms_;
};

// RFC 3339 in UTC with seconds, as the API writes timestamps: "2026-12-07T19:52:45Z".
std::string format_time(std::chrono::system_clock::time_point t);

enum class EventType { Added, Modified, Deleted };
std::string_view to_string(EventType type) noexcept;

// One change. `object` is the object as stored by the write (DELETED: the last state, with the
// deleting revision as its resourceVersion).
struct Event {
    EventType type = EventType::Added;
    Gvr gvr;
    std::int64_t revision = 0;
    std::shared_ptr<const Value> object;
};

struct DeleteOptions {
    // Set for kinds with graceful deletion (pods): >0 keeps the object with deletionTimestamp =
    // now + grace and deletionGracePeriodSeconds = grace until someone removes it with grace 0
    // (the kubelet); 0 removes it, answering it with deletionTimestamp = now and
    // deletionGracePeriodSeconds 0. The REST layer works out the grace per kind (pods: the
    // request's, else the pod's own when it is scheduled, else 0).
    std::optional<std::int64_t> grace_seconds;
    // "Foreground" adds the foregroundDeletion finalizer; "Background"/"Orphan"/"" do not
    // (dependents are the garbage collector's business).
    std::string propagation;
    std::optional<std::string> precondition_uid;
    std::optional<std::string> precondition_resource_version;
};

struct DeleteOutcome {
    Value object;       // the object as it was deleted, or as it stays while terminating
    bool gone = false;  // removed from the store (a DELETED event was sent)
};

struct StoreOptions {
    // How many events the history keeps; a watch from an older revision gets 410 Expired.
    std::size_t history_limit = 10000;
    // The clock for creation/deletion timestamps (injectable for tests).
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
};

class Store {
public:
    using Listener = std::function<void(const Event&)>;
    using ListenerId = std::uint64_t;

    explicit Store(StoreOptions options = {});
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // The current revision (the resourceVersion of the last write; lists report it).
    std::int64_t revision() const noexcept { return revision_; }

    // Creates an object. `object` must carry metadata.name or metadata.generateName, and for a
    // namespaced resource metadata.namespace. Sets uid, resourceVersion, generation 1 (for
    // kinds with a spec), creationTimestamp and kind/apiVersion; a generateName gets a random
    // 5-character suffix. Fails with 409 AlreadyExists. Validation and defaulting are the REST
    // layer's job, not the store's.
    ApiResult<Value> create(const Gvr& gvr, Value object);
    // Puts `object` in the store as it is (uid, generation, timestamps, annotations kept; a
    // missing uid or creationTimestamp is filled), replacing any object of that name, with a
    // new resourceVersion (ADDED or MODIFIED event): for tests that start from a recorded
    // state.
    Value restore(const Gvr& gvr, Value object);
    // The stored object, or null.
    const Value* get(const Gvr& gvr, std::string_view ns, std::string_view name) const;
    // Replaces an object with `object` (whole). A non-empty metadata.resourceVersion must equal
    // the stored one (else 409 Conflict); uid, creationTimestamp, generation and
    // deletionTimestamp are kept from the stored object; generation bumps when `spec` changed.
    // An object being deleted whose finalizers become empty is removed (DELETED event).
    // 404 NotFound when it does not exist.
    ApiResult<Value> update(const Gvr& gvr, Value object);
    // Deletes (see DeleteOptions). 404 NotFound; 409 Conflict on a failed precondition. An
    // object with finalizers (or Foreground) gets deletionTimestamp and stays; an object
    // already terminating is returned as it is (a shorter grace period shortens it, grace 0
    // removes it when it has no finalizers).
    ApiResult<DeleteOutcome> remove(const Gvr& gvr,
                                    std::string_view ns,
                                    std::string_view name,
                                    const DeleteOptions& options = {});
    // Objects of `gvr` in namespace `ns` ("" = every namespace) that match, in key order
    // (namespace, then name), as etcd lists them.
    std::vector<Value> list(const Gvr& gvr,
                            std::string_view ns,
                            const LabelSelector& labels = {},
                            const FieldSelector& fields = {}) const;

    // Every event from now on (all resources), on the server thread.
    ListenerId subscribe(Listener listener);
    void unsubscribe(ListenerId id);
    // The kept events of `gvr` with revision > `since`, oldest first; nullopt when `since` is
    // older than the history kept (the watch answers 410 Expired).
    std::optional<std::vector<Event>> events_since(const Gvr& gvr, std::int64_t since) const;
    // Forgets the whole history (etcd compaction): every revision below the current one is too
    // old from now on.
    void compact();
    // The oldest revision a watch may resume from (events after it are all kept).
    std::int64_t compacted_revision() const noexcept { return compacted_; }

    std::chrono::system_clock::time_point now() const { return options_.now(); }

private:
    using Key = std::tuple<Gvr, std::string, std::string>;  // resource, namespace, name
    void emit(EventType type, const Gvr& gvr, const Value& object);
    void deliver();
    // Takes the key by value: callers pass the map node's own key, which this erases.
    Value finish_delete(Key key);
    std::optional<ApiError> check_preconditions(const Gvr& gvr,
                                                const Value& object,
                                                const DeleteOptions& options) const;
    std::string new_uid();
    std::string random_suffix();

    StoreOptions options_;
    std::int64_t revision_ = 1;
    // Revisions at or below this are too old for events_since().
    std::int64_t compacted_ = 0;
    std::map<Key, Value> objects_;
    std::deque<Event> history_;
    std::deque<Event> pending_;
    bool delivering_ = false;
    std::map<ListenerId, Listener> listeners_;
    ListenerId next_listener_ = 1;
    std::uint64_t random_state_;
};

}  // namespace faas::test::kube
