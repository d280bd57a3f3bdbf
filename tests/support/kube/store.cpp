#include "tests/support/kube/store.hpp"

#include <algorithm>

#include "tests/support/kube/resources.hpp"

namespace faas::test::kube {

namespace {

// The metadata keys in the order the real server writes them.
constexpr std::string_view kMetadataOrder[] = {
    "name",   "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields"};

void order_metadata(Value& object) {
    Value& meta = object["metadata"];
    Value ordered = Value::object();
    for (auto key : kMetadataOrder) {
        if (Value* v = meta.find(key)) {
            ordered[key] = std::move(*v);
        }
    }
    for (auto& [k, v] : meta.members()) {
        if (std::find(std::begin(kMetadataOrder), std::end(kMetadataOrder), k) ==
            std::end(kMetadataOrder)) {
            ordered[k] = std::move(v);
        }
    }
    meta = std::move(ordered);
}

// kind and apiVersion first, then the rest in the order given.
void put_type_first(Value& object, const Gvr& gvr) {
    Value out = Value::object();
    out["kind"] = resource_info(gvr).kind;
    out["apiVersion"] = gvr.api_version();
    for (auto& [k, v] : object.members()) {
        if (k != "kind" && k != "apiVersion") {
            out[k] = std::move(v);
        }
    }
    object = std::move(out);
}

bool same_field(const Value& a, const Value& b, std::string_view key) {
    const Value* x = a.find(key);
    const Value* y = b.find(key);
    return (x == nullptr && y == nullptr) || (x != nullptr && y != nullptr && *x == *y);
}

// What bumps metadata.generation: the spec (an EndpointSlice has its fields at the top).
bool spec_changed(const Gvr& gvr, const Value& before, const Value& after) {
    if (gvr == gvr::kEndpointSlices) {
        return !same_field(before, after, "addressType") ||
               !same_field(before, after, "endpoints") || !same_field(before, after, "ports");
    }
    return !same_field(before, after, "spec");
}

bool has_finalizers(const Value& object) {
    const Value* f = object.at({"metadata", "finalizers"});
    return f != nullptr && !f->empty();
}

}  // namespace

Store::Store(StoreOptions options)
    : options_(std::move(options)),
      random_state_(static_cast<std::uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count()) | 1U) {}

std::string Store::new_uid() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 32; ++i) {
        random_state_ = random_state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        if (i == 8 || i == 12 || i == 16 || i == 20) {
            out += '-';
        }
        out += kHex[(random_state_ >> 60) & 0xF];
    }
    return out;
}

std::string Store::random_suffix() {
    // The alphabet of k8s.io/apimachinery's rand.String (no vowels, no confusable digits).
    static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    std::string out;
    for (int i = 0; i < 5; ++i) {
        random_state_ = random_state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        out += kAlphabet[(random_state_ >> 33) % kAlphabet.size()];
    }
    return out;
}

ApiResult<Value> Store::create(const Gvr& gvr, Value object) {
    Value& meta = object["metadata"];
    const std::string ns = resource_info(gvr).namespaced ? meta.string_at({"namespace"}) : "";
    std::string name = meta.string_at({"name"});
    if (name.empty()) {
        const std::string prefix = meta.string_at({"generateName"});
        do {
            name = prefix + random_suffix();
        } while (objects_.count(Key{gvr, ns, name}) != 0);
        meta["name"] = name;
    }
    Key key{gvr, ns, name};
    if (objects_.count(key) != 0) {
        return already_exists(gvr, name);
    }
    if (!resource_info(gvr).namespaced) {
        meta.erase("namespace");
    }
    meta["uid"] = new_uid();
    meta["resourceVersion"] = std::to_string(++revision_);
    if (resource_info(gvr).has_generation) {
        meta["generation"] = std::int64_t{1};
    }
    meta["creationTimestamp"] = format_time(now());
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
    put_type_first(object, gvr);
    order_metadata(object);
    const Value& stored = objects_[key] = std::move(object);
    emit(EventType::Added, gvr, stored);
    return stored;
}

Value Store::restore(const Gvr& gvr, Value object) {
    Value& meta = object["metadata"];
    const std::string ns = resource_info(gvr).namespaced ? meta.string_at({"namespace"}) : "";
    if (meta.string_at({"uid"}).empty()) {
        meta["uid"] = new_uid();
    }
    if (meta.string_at({"creationTimestamp"}).empty()) {
        meta["creationTimestamp"] = format_time(now());
    }
    meta["resourceVersion"] = std::to_string(++revision_);
    put_type_first(object, gvr);
    order_metadata(object);
    const Key key{gvr, ns, object.string_at({"metadata", "name"})};
    const bool existed = objects_.count(key) != 0;
    const Value& stored = objects_[key] = std::move(object);
    emit(existed ? EventType::Modified : EventType::Added, gvr, stored);
    return stored;
}

const Value* Store::get(const Gvr& gvr, std::string_view ns, std::string_view name) const {
    auto it = objects_.find(Key{gvr, std::string(ns), std::string(name)});
    return it == objects_.end() ? nullptr : &it->second;
}

ApiResult<Value> Store::update(const Gvr& gvr, Value object) {
    const std::string ns =
        resource_info(gvr).namespaced ? object.string_at({"metadata", "namespace"}) : "";
    const std::string name = object.string_at({"metadata", "name"});
    auto it = objects_.find(Key{gvr, ns, name});
    if (it == objects_.end()) {
        return not_found(gvr, name);
    }
    const Value& stored = it->second;
    const std::string rv = object.string_at({"metadata", "resourceVersion"});
    if (!rv.empty() && rv != stored.string_at({"metadata", "resourceVersion"})) {
        return conflict(gvr, name);
    }
    Value& meta = object["metadata"];
    for (auto key : {"uid", "creationTimestamp", "deletionTimestamp",
                     "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
        if (const Value* kept = stored.at({"metadata", key})) {
            meta[key] = *kept;
        } else {
            meta.erase(key);
        }
    }
    if (!resource_info(gvr).namespaced) {
        meta.erase("namespace");
    }
    put_type_first(object, gvr);
    order_metadata(object);
    if (object == stored) {
        return stored;  // a no-op update writes nothing, as the real server
    }
    // put_type_first() rebuilt the object: `meta` no longer refers into it.
    Value& new_meta = object["metadata"];
    if (spec_changed(gvr, stored, object) && resource_info(gvr).has_generation) {
        new_meta["generation"] = stored.int_at({"metadata", "generation"}) + 1;
    }
    new_meta["resourceVersion"] = std::to_string(++revision_);
    // The last finalizer gone from an object deleted with no grace left: it goes now. A pod in
    // its grace period stays through its kubelet's status writes until deleted with grace 0.
    if (object.at({"metadata", "deletionTimestamp"}) != nullptr && !has_finalizers(object) &&
        object.int_at({"metadata", "deletionGracePeriodSeconds"}) == 0) {
        it->second = std::move(object);
        return finish_delete(it->first);
    }
    it->second = std::move(object);
    emit(EventType::Modified, gvr, it->second);
    return it->second;
}

Value Store::finish_delete(Key key) {
    auto it = objects_.find(key);
    Value object = std::move(it->second);
    objects_.erase(it);
    object.set({"metadata", "resourceVersion"}, std::to_string(++revision_));
    emit(EventType::Deleted, std::get<0>(key), object);
    return object;
}

ApiResult<DeleteOutcome> Store::remove(const Gvr& gvr,
                                     std::string_view ns,
                                     std::string_view name,
                                     const DeleteOptions& options) {
    const Key key{gvr, resource_info(gvr).namespaced ? std::string(ns) : "", std::string(name)};
    auto it = objects_.find(key);
    if (it == objects_.end()) {
        return not_found(gvr, name);
    }
    Value object = it->second;
    if (auto error = check_preconditions(gvr, object, options)) {
        return *error;
    }
    Value& meta = object["metadata"];
    if (options.propagation == "Foreground") {
        Value& finalizers = meta["finalizers"];
        const Value fg("foregroundDeletion");
        const auto& items = finalizers.items();
        if (std::find(items.begin(), items.end(), fg) == items.end()) {
            finalizers.push_back(fg);
        }
    }
    const std::int64_t grace = options.grace_seconds.value_or(0);
    const bool terminating = meta.find("deletionTimestamp") != nullptr;
    if (terminating && grace >= meta.int_at({"deletionGracePeriodSeconds"}) &&
        object == it->second) {
        return DeleteOutcome{std::move(object), false};  // already on its way out
    }
    const bool stays = has_finalizers(object) || grace > 0;
    if (!terminating || grace < meta.int_at({"deletionGracePeriodSeconds"})) {
        meta["deletionTimestamp"] = format_time(now() + std::chrono::seconds(grace));
        meta["deletionGracePeriodSeconds"] = grace;
        if (stays && resource_info(gvr).has_generation) {
            meta["generation"] = meta.int_at({"generation"}) + 1;
        }
    }
    if (!options.grace_seconds && !stays) {
        meta.erase("deletionTimestamp");
        meta.erase("deletionGracePeriodSeconds");
    }
    order_metadata(object);
    if (!stays) {
        it->second = object;
        Value last = finish_delete(key);
        (void)last;
        return DeleteOutcome{std::move(object), true};
    }
    meta["resourceVersion"] = std::to_string(++revision_);
    it->second = object;
    emit(EventType::Modified, gvr, it->second);
    return DeleteOutcome{std::move(object), false};
}

std::optional<ApiError> Store::check_preconditions(const Gvr& gvr,
                                                   const Value& object,
                                                   const DeleteOptions& options) const {
    const std::string name = object.string_at({"metadata", "name"});
    const std::string uid = object.string_at({"metadata", "uid"});
    const std::string rv = object.string_at({"metadata", "resourceVersion"});
    std::string what;
    std::string wanted;
    std::string actual;
    if (options.precondition_uid && *options.precondition_uid != uid) {
        what = "UID";
        wanted = *options.precondition_uid;
        actual = uid;
    } else if (options.precondition_resource_version &&
               *options.precondition_resource_version != rv) {
        what = "ResourceVersion";
        wanted = *options.precondition_resource_version;
        actual = rv;
    } else {
        return std::nullopt;
    }
    const std::string kind(resource_info(gvr).kind);
    ApiError e;
    e.code = 409;
    e.reason = "Conflict";
    e.message = "Operation cannot be fulfilled on " + kind + " \"" + name + "\": the " + what +
                " in the precondition (" + wanted + ") does not match the " + what +
                " in record (" + actual + "). The object might have been deleted and then "
                "recreated";
    e.details = Value::object();
    e.details["name"] = name;
    if (!gvr.group.empty()) {
        e.details["group"] = gvr.group;
    }
    e.details["kind"] = kind;
    return e;
}

std::vector<Value> Store::list(const Gvr& gvr,
                               std::string_view ns,
                               const LabelSelector& labels,
                               const FieldSelector& fields) const {
    std::vector<Value> out;
    for (auto it = objects_.lower_bound(Key{gvr, std::string(ns), ""}); it != objects_.end();
         ++it) {
        const auto& [g, object_ns, name] = it->first;
        if (!(g == gvr) || (!ns.empty() && object_ns != ns)) {
            break;
        }
        const Value* obj_labels = it->second.at({"metadata", "labels"});
        const Value none;
        if (labels.matches(obj_labels ? *obj_labels : none) && fields.matches(it->second)) {
            out.push_back(it->second);
        }
    }
    return out;
}

Store::ListenerId Store::subscribe(Listener listener) {
    const ListenerId id = next_listener_++;
    listeners_.emplace(id, std::move(listener));
    return id;
}

void Store::unsubscribe(ListenerId id) {
    listeners_.erase(id);
}

std::optional<std::vector<Event>> Store::events_since(const Gvr& gvr, std::int64_t since) const {
    if (since < compacted_) {
        return std::nullopt;
    }
    std::vector<Event> out;
    for (const auto& e : history_) {
        if (e.revision > since && e.gvr == gvr) {
            out.push_back(e);
        }
    }
    return out;
}

void Store::compact() {
    history_.clear();
    compacted_ = revision_;
}

void Store::emit(EventType type, const Gvr& gvr, const Value& object) {
    Event e{type, gvr, revision_, std::make_shared<const Value>(object)};
    history_.push_back(e);
    while (history_.size() > options_.history_limit) {
        compacted_ = history_.front().revision;
        history_.pop_front();
    }
    pending_.push_back(std::move(e));
    deliver();
}

void Store::deliver() {
    if (delivering_) {
        return;  // the outer deliver() loop sends it, after the event being delivered now
    }
    delivering_ = true;
    while (!pending_.empty()) {
        Event e = std::move(pending_.front());
        pending_.pop_front();
        // Copy the ids first: a listener may subscribe or unsubscribe while we loop.
        std::vector<ListenerId> ids;
        for (const auto& [id, l] : listeners_) {
            ids.push_back(id);
        }
        for (auto id : ids) {
            auto it = listeners_.find(id);
            if (it != listeners_.end()) {
                it->second(e);
            }
        }
    }
    delivering_ = false;
}

}  // namespace faas::test::kube
