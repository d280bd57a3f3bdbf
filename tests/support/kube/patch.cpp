#include "tests/support/kube/patch.hpp"

#include <algorithm>
#include <string_view>

namespace faas::test::kube {

namespace {

// The merge key of the list under `field`, or "" (replace the list). Port lists are told
// apart by their elements: container ports carry containerPort, Service ports port.
std::string_view merge_key(std::string_view field, const Value& list) {
    if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
        field == "env" || field == "volumes" || field == "imagePullSecrets") {
        return "name";
    }
    if (field == "volumeMounts" || field == "volumeDevices") {
        return field == "volumeMounts" ? "mountPath" : "devicePath";
    }
    if (field == "ownerReferences") {
        return "uid";
    }
    if (field == "conditions") {
        return "type";
    }
    if (field == "ports") {
        for (const auto& item : list.items()) {
            if (item.contains("containerPort")) {
                return "containerPort";
            }
        }
        return "port";
    }
    return "";
}

Value strategic(Value target, const Value& patch);

Value merge_keyed_list(Value target, const Value& patch, std::string_view key) {
    auto& items = target.items();
    for (const auto& p : patch.items()) {
        const Value* id = p.find(key);
        auto it = std::find_if(items.begin(), items.end(), [&](const Value& t) {
            const Value* tid = t.find(key);
            return id != nullptr && tid != nullptr && *tid == *id;
        });
        const Value* directive = p.find("$patch");
        if (directive != nullptr && directive->as_string() == "delete") {
            if (it != items.end()) {
                items.erase(it);
            }
        } else if (it != items.end()) {
            *it = strategic(std::move(*it), p);
        } else {
            items.push_back(strategic(Value(), p));
        }
    }
    return target;
}

Value merge_set(Value target, const Value& patch) {
    auto& items = target.items();
    for (const auto& p : patch.items()) {
        if (std::find(items.begin(), items.end(), p) == items.end()) {
            items.push_back(p);
        }
    }
    return target;
}

Value patch_list(std::string_view field, Value target, const Value& patch) {
    // A list holding {"$patch": "replace"} replaces with the other elements.
    Value cleaned = Value::array();
    bool replace = false;
    for (const auto& p : patch.items()) {
        const Value* directive = p.find("$patch");
        if (directive != nullptr && directive->as_string() == "replace") {
            replace = true;
        } else {
            cleaned.push_back(p);
        }
    }
    if (replace || !target.is_array()) {
        return cleaned;
    }
    if (field == "finalizers") {
        return merge_set(std::move(target), cleaned);
    }
    const std::string_view key = merge_key(field, cleaned);
    if (key.empty()) {
        return cleaned;
    }
    return merge_keyed_list(std::move(target), cleaned, key);
}

void delete_from_primitive_list(Value& target, std::string_view field, const Value& values) {
    Value* list = target.find(field);
    if (list == nullptr || !list->is_array()) {
        return;
    }
    auto& items = list->items();
    for (const auto& v : values.items()) {
        items.erase(std::remove(items.begin(), items.end(), v), items.end());
    }
}

Value strategic(Value target, const Value& patch) {
    if (!patch.is_object()) {
        return patch;
    }
    const Value* directive = patch.find("$patch");
    if (directive != nullptr && directive->as_string() == "replace") {
        Value out = patch;
        out.erase("$patch");
        return out;
    }
    if (!target.is_object()) {
        target = Value::object();
    }
    for (const auto& [k, v] : patch.members()) {
        constexpr std::string_view kDeleteFrom = "$deleteFromPrimitiveList/";
        if (k.starts_with(kDeleteFrom)) {
            delete_from_primitive_list(target, std::string_view(k).substr(kDeleteFrom.size()), v);
            continue;
        }
        if (k.starts_with("$")) {
            continue;  // $setElementOrder/..., $retainKeys, $patch: ordering hints only
        }
        if (v.is_null()) {
            target.erase(k);
        } else if (v.is_array()) {
            Value* existing = target.find(k);
            Value current = existing != nullptr ? std::move(*existing) : Value();
            target[k] = patch_list(k, std::move(current), v);
        } else if (v.is_object()) {
            Value* existing = target.find(k);
            Value current = existing != nullptr ? std::move(*existing) : Value();
            target[k] = strategic(std::move(current), v);
        } else {
            target[k] = v;
        }
    }
    return target;
}

}  // namespace

Value merge_patch(Value target, const Value& patch) {
    if (!patch.is_object()) {
        return patch;
    }
    if (!target.is_object()) {
        target = Value::object();
    }
    for (const auto& [k, v] : patch.members()) {
        if (v.is_null()) {
            target.erase(k);
            continue;
        }
        Value* existing = target.find(k);
        Value current = existing != nullptr ? std::move(*existing) : Value();
        target[k] = merge_patch(std::move(current), v);
    }
    return target;
}

Value strategic_merge_patch(Value target, const Value& patch) {
    return strategic(std::move(target), patch);
}

}  // namespace faas::test::kube
