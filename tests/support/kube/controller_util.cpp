#include "tests/support/kube/controller_util.hpp"

#include <ctime>
#include <optional>

#include "core/text/text.hpp"

namespace faas::test::kube::util {

namespace {

constexpr std::string_view kAlphanums = "bcdfghjklmnpqrstvwxz2456789";

std::tm utc(Time t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    return tm;
}

std::string seconds_part(Time t) {
    const std::tm tm = utc(t);
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return {buf, n};
}

}  // namespace

std::string timestamp(Time t) {
    return seconds_part(t) + "Z";
}

std::string timestamp_nano(Time t) {
    const auto since = t.time_since_epoch();
    const auto nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(since).count() % 1'000'000'000;
    std::string frac = std::to_string(nanos < 0 ? 0 : nanos);
    frac.insert(0, 9 - frac.size(), '0');
    while (!frac.empty() && frac.back() == '0') {
        frac.pop_back();
    }
    const auto whole = t - std::chrono::nanoseconds(nanos < 0 ? 0 : nanos);
    std::string out = seconds_part(std::chrono::time_point_cast<Time::duration>(whole));
    if (!frac.empty()) {
        out += "." + frac;
    }
    return out + "Z";
}

std::optional<Time> parse_timestamp(std::string_view text) {
    std::tm tm{};
    const std::string s(text);
    const char* rest = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == nullptr) {
        return std::nullopt;
    }
    auto t = std::chrono::system_clock::from_time_t(::timegm(&tm));
    if (*rest == '.') {
        std::string digits;
        for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
            digits.push_back(*rest);
        }
        digits.resize(9, '0');
        t += std::chrono::duration_cast<Time::duration>(
            std::chrono::nanoseconds(std::stoll(digits)));
    }
    if (*rest != 'Z') {
        return std::nullopt;
    }
    return t;
}

std::string safe_encode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        out.push_back(kAlphanums[static_cast<unsigned char>(c) % kAlphanums.size()]);
    }
    return out;
}

std::string random_suffix(std::mt19937_64& rng, std::size_t n) {
    std::uniform_int_distribution<std::size_t> pick(0, kAlphanums.size() - 1);
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(kAlphanums[pick(rng)]);
    }
    return out;
}

std::uint32_t fnv32a(std::string_view data) {
    std::uint32_t h = 2166136261U;
    for (const char c : data) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619U;
    }
    return h;
}

Value controller_ref(const Value& owner) {
    Value ref = Value::object();
    ref["apiVersion"] = owner.string_at({"apiVersion"});
    ref["kind"] = owner.string_at({"kind"});
    ref["name"] = owner.string_at({"metadata", "name"});
    ref["uid"] = owner.string_at({"metadata", "uid"});
    ref["controller"] = true;
    ref["blockOwnerDeletion"] = true;
    return ref;
}

std::string controller_uid(const Value& object) {
    if (const Value* refs = object.at({"metadata", "ownerReferences"})) {
        for (const Value& r : refs->items()) {
            if (const Value* c = r.find("controller"); c != nullptr && c->as_bool()) {
                return r.string_at({"uid"});
            }
        }
    }
    return {};
}

bool owned_by(const Value& object, std::string_view uid) {
    if (const Value* refs = object.at({"metadata", "ownerReferences"})) {
        for (const Value& r : refs->items()) {
            if (r.string_at({"uid"}) == uid) {
                return true;
            }
        }
    }
    return false;
}

bool being_deleted(const Value& object) {
    const Value* ts = object.at({"metadata", "deletionTimestamp"});
    return ts != nullptr && !ts->is_null();
}

bool pod_active(const Value& pod) {
    const std::string phase = pod.string_at({"status", "phase"});
    return !being_deleted(pod) && phase != "Succeeded" && phase != "Failed";
}

const Value* condition(const Value& object, std::string_view type) {
    if (const Value* conds = object.at({"status", "conditions"})) {
        for (const Value& c : conds->items()) {
            if (c.string_at({"type"}) == type) {
                return &c;
            }
        }
    }
    return nullptr;
}

bool pod_ready(const Value& pod) {
    const Value* c = condition(pod, "Ready");
    return c != nullptr && c->string_at({"status"}) == "True";
}

bool set_pod_condition(Value& pod, std::string_view type, bool status, Time now) {
    const char* want = status ? "True" : "False";
    Value& conds = pod["status"]["conditions"];
    for (Value& c : conds.items()) {
        if (c.string_at({"type"}) != type) {
            continue;
        }
        if (c.string_at({"status"}) == want) {
            return false;
        }
        c["status"] = want;
        c["lastTransitionTime"] = timestamp(now);
        return true;
    }
    Value c = Value::object();
    c["type"] = type;
    c["status"] = want;
    c["lastProbeTime"] = nullptr;
    c["lastTransitionTime"] = timestamp(now);
    conds.push_back(std::move(c));
    return true;
}

std::int64_t scaled_value(const Value* value,
                          std::int64_t total,
                          bool round_up,
                          std::int64_t fallback) {
    if (value == nullptr || value->is_null()) {
        return fallback;
    }
    if (value->is_int()) {
        return value->as_int();
    }
    const std::string& s = value->as_string();
    if (s.empty() || s.back() != '%') {
        return fallback;
    }
    const auto pct = text::parse_uint(std::string_view(s).substr(0, s.size() - 1));
    if (!pct) {
        return fallback;
    }
    const auto scaled = static_cast<std::int64_t>(*pct) * total;
    return round_up ? (scaled + 99) / 100 : scaled / 100;
}

std::int64_t pod_grace_seconds(const Value& pod) {
    const std::string phase = pod.string_at({"status", "phase"});
    if (pod.string_at({"spec", "nodeName"}).empty() || phase == "Succeeded" || phase == "Failed") {
        return 0;
    }
    return pod.int_at({"spec", "terminationGracePeriodSeconds"}, 30);
}

}  // namespace faas::test::kube::util
