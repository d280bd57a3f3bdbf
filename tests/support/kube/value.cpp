#include "tests/support/kube/value.hpp"

#include <algorithm>
#include <cmath>

namespace faas::test::kube {

namespace {

const std::string& empty_string() {
    static const std::string kEmpty;
    return kEmpty;
}

}  // namespace

Result<Value> Value::parse(std::string_view text) {
    auto doc = json::parse(text);
    if (!doc) {
        return doc.error();
    }
    return from(doc->root());
}

Value Value::from(simdjson::dom::element element) {
    using simdjson::dom::element_type;
    switch (element.type()) {
        case element_type::NULL_VALUE:
            return Value();
        case element_type::BOOL:
            return Value(bool(element.get_bool()));
        case element_type::INT64:
            return Value(std::int64_t(element.get_int64()));
        case element_type::UINT64:
            return Value(static_cast<double>(std::uint64_t(element.get_uint64())));
        case element_type::DOUBLE:
            return Value(double(element.get_double()));
        case element_type::STRING:
            return Value(std::string_view(element.get_string()));
        case element_type::ARRAY: {
            Array items;
            for (auto item : element.get_array()) {
                items.push_back(from(item));
            }
            return Value(std::move(items));
        }
        case element_type::OBJECT: {
            Object members;
            for (auto field : element.get_object()) {
                members.emplace_back(std::string(field.key), from(field.value));
            }
            return Value(std::move(members));
        }
    }
    return Value();
}

bool Value::as_bool(bool fallback) const noexcept {
    return is_bool() ? std::get<bool>(v_) : fallback;
}

std::int64_t Value::as_int(std::int64_t fallback) const noexcept {
    if (is_int()) {
        return std::get<std::int64_t>(v_);
    }
    if (type() == Type::Double) {
        return static_cast<std::int64_t>(std::get<double>(v_));
    }
    return fallback;
}

double Value::as_double(double fallback) const noexcept {
    if (is_int()) {
        return static_cast<double>(std::get<std::int64_t>(v_));
    }
    if (type() == Type::Double) {
        return std::get<double>(v_);
    }
    return fallback;
}

const std::string& Value::as_string() const noexcept {
    return is_string() ? std::get<std::string>(v_) : empty_string();
}

const Value* Value::find(std::string_view key) const noexcept {
    if (!is_object()) {
        return nullptr;
    }
    for (const auto& [k, v] : std::get<Object>(v_)) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

Value* Value::find(std::string_view key) noexcept {
    return const_cast<Value*>(std::as_const(*this).find(key));  // NOLINT
}

Value& Value::operator[](std::string_view key) {
    if (Value* found = find(key)) {
        return *found;
    }
    auto& m = members();
    m.emplace_back(std::string(key), Value());
    return m.back().second;
}

bool Value::erase(std::string_view key) {
    if (!is_object()) {
        return false;
    }
    auto& m = std::get<Object>(v_);
    auto it = std::find_if(m.begin(), m.end(), [key](const Member& p) { return p.first == key; });
    if (it == m.end()) {
        return false;
    }
    m.erase(it);
    return true;
}

const Value::Object& Value::members() const noexcept {
    static const Object kNone;
    return is_object() ? std::get<Object>(v_) : kNone;
}

Value::Object& Value::members() {
    if (is_null()) {
        v_ = Object{};
    }
    FAAS_ASSERT(is_object());
    return std::get<Object>(v_);
}

const Value::Array& Value::items() const noexcept {
    static const Array kNone;
    return is_array() ? std::get<Array>(v_) : kNone;
}

Value::Array& Value::items() {
    if (is_null()) {
        v_ = Array{};
    }
    FAAS_ASSERT(is_array());
    return std::get<Array>(v_);
}

std::size_t Value::size() const noexcept {
    if (is_object()) {
        return std::get<Object>(v_).size();
    }
    if (is_array()) {
        return std::get<Array>(v_).size();
    }
    return 0;
}

const Value* Value::at(std::span<const std::string_view> path) const noexcept {
    const Value* cur = this;
    for (auto key : path) {
        cur = cur->find(key);
        if (cur == nullptr) {
            return nullptr;
        }
    }
    return cur;
}

Value* Value::at(std::span<const std::string_view> path) noexcept {
    return const_cast<Value*>(std::as_const(*this).at(path));  // NOLINT
}

Value& Value::set(std::span<const std::string_view> path, Value v) {
    Value* cur = this;
    for (auto key : path) {
        if (!cur->is_object()) {
            *cur = object();
        }
        cur = &(*cur)[key];
    }
    *cur = std::move(v);
    return *cur;
}

bool Value::erase(std::span<const std::string_view> path) {
    if (path.empty()) {
        return false;
    }
    Value* parent = at(path.first(path.size() - 1));
    return parent != nullptr && parent->erase(path.back());
}

std::string Value::string_at(Path path) const {
    const Value* v = at(path);
    return v == nullptr ? std::string() : v->as_string();
}

std::int64_t Value::int_at(Path path, std::int64_t fallback) const noexcept {
    const Value* v = at(path);
    return v == nullptr ? fallback : v->as_int(fallback);
}

void Value::write(json::Writer& w) const {
    switch (type()) {
        case Type::Null:
            w.null();
            break;
        case Type::Bool:
            w.value(std::get<bool>(v_));
            break;
        case Type::Int:
            w.value(std::get<std::int64_t>(v_));
            break;
        case Type::Double:
            w.value(std::get<double>(v_));
            break;
        case Type::String:
            w.value(std::get<std::string>(v_));
            break;
        case Type::Array:
            w.begin_array();
            for (const auto& item : std::get<Array>(v_)) {
                item.write(w);
            }
            w.end_array();
            break;
        case Type::Object:
            w.begin_object();
            for (const auto& [k, v] : std::get<Object>(v_)) {
                w.key(k);
                v.write(w);
            }
            w.end_object();
            break;
    }
}

std::string Value::dump() const {
    json::Writer w;
    write(w);
    return std::move(w).str();
}

bool Value::operator==(const Value& other) const noexcept {
    if (is_number() && other.is_number()) {
        if (is_int() && other.is_int()) {
            return as_int() == other.as_int();
        }
        return as_double() == other.as_double();
    }
    if (type() != other.type()) {
        return false;
    }
    if (is_object()) {
        const auto& mine = std::get<Object>(v_);
        if (mine.size() != other.size()) {
            return false;
        }
        return std::all_of(mine.begin(), mine.end(), [&other](const Member& m) {
            const Value* theirs = other.find(m.first);
            return theirs != nullptr && *theirs == m.second;
        });
    }
    return v_ == other.v_;
}

}  // namespace faas::test::kube
