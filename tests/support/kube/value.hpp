#pragma once
// Value: a small mutable JSON value for the stand-in Kubernetes API server and its controllers
// (objects keep their keys in insertion order, as the real server writes them). Parsed with
// simdjson (core/json), written with core's json::Writer. A plain value type: no threads.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/json/json.hpp"
#include "core/result.hpp"

namespace faas::test::kube {

class Value {
public:
    enum class Type { Null, Bool, Int, Double, String, Array, Object };
    using Array = std::vector<Value>;
    using Member = std::pair<std::string, Value>;
    using Object = std::vector<Member>;
    // Keys from the root down, e.g. {"metadata", "labels", "app"} (keys may hold dots).
    using Path = std::initializer_list<std::string_view>;

    Value() = default;
    Value(std::nullptr_t) {}                        // NOLINT(google-explicit-constructor)
    Value(bool b) : v_(b) {}                        // NOLINT(google-explicit-constructor)
    Value(int n) : v_(std::int64_t{n}) {}           // NOLINT(google-explicit-constructor)
    Value(std::int64_t n) : v_(n) {}                // NOLINT(google-explicit-constructor)
    Value(double d) : v_(d) {}                      // NOLINT(google-explicit-constructor)
    Value(std::string s) : v_(std::move(s)) {}      // NOLINT(google-explicit-constructor)
    Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
    Value(const char* s) : v_(std::string(s)) {}   // NOLINT(google-explicit-constructor)
    Value(Array a) : v_(std::move(a)) {}            // NOLINT(google-explicit-constructor)
    Value(Object o) : v_(std::move(o)) {}           // NOLINT(google-explicit-constructor)

    static Value object() { return {Object{}}; }
    static Value array() { return {Array{}}; }
    // Parses JSON text; malformed text is errc::bad_request with simdjson's reason.
    static Result<Value> parse(std::string_view text);
    static Value from(simdjson::dom::element element);

    Type type() const noexcept { return static_cast<Type>(v_.index()); }
    bool is_null() const noexcept { return type() == Type::Null; }
    bool is_bool() const noexcept { return type() == Type::Bool; }
    bool is_int() const noexcept { return type() == Type::Int; }
    bool is_number() const noexcept { return is_int() || type() == Type::Double; }
    bool is_string() const noexcept { return type() == Type::String; }
    bool is_array() const noexcept { return type() == Type::Array; }
    bool is_object() const noexcept { return type() == Type::Object; }

    // Typed reads: the fallback when the value has another type (a double is truncated by
    // as_int, an int widened by as_double).
    bool as_bool(bool fallback = false) const noexcept;
    std::int64_t as_int(std::int64_t fallback = 0) const noexcept;
    double as_double(double fallback = 0) const noexcept;
    // The string, or "" when this is not a string.
    const std::string& as_string() const noexcept;

    // Objects. find() is null when this is not an object or has no such key. operator[] turns
    // a null into an object and appends a missing key (value null).
    const Value* find(std::string_view key) const noexcept;
    Value* find(std::string_view key) noexcept;
    bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
    Value& operator[](std::string_view key);
    // Removes `key`; false when it was not there.
    bool erase(std::string_view key);
    // The members (empty for a non-object; the mutable one turns a null into an object).
    const Object& members() const noexcept;
    Object& members();

    // Arrays (the mutable items() turns a null into an array).
    const Array& items() const noexcept;
    Array& items();
    void push_back(Value v) { items().push_back(std::move(v)); }
    // Members of an object, items of an array, 0 otherwise.
    std::size_t size() const noexcept;
    bool empty() const noexcept { return size() == 0; }

    // Paths. at() is null when a step is missing or not an object.
    const Value* at(Path path) const noexcept { return at(std::span(path.begin(), path.size())); }
    Value* at(Path path) noexcept { return at(std::span(path.begin(), path.size())); }
    const Value* at(std::span<const std::string_view> path) const noexcept;
    Value* at(std::span<const std::string_view> path) noexcept;
    // Sets the value at `path`, turning nulls and missing steps into objects; returns it.
    Value& set(Path path, Value v) {
        return set(std::span(path.begin(), path.size()), std::move(v));
    }
    Value& set(std::span<const std::string_view> path, Value v);
    // Removes the last key of `path`; false when it was not there.
    bool erase(Path path) { return erase(std::span(path.begin(), path.size())); }
    bool erase(std::span<const std::string_view> path);
    // Shorthands: the string / integer at `path`, or "" / `fallback`.
    std::string string_at(Path path) const;
    std::int64_t int_at(Path path, std::int64_t fallback = 0) const noexcept;

    void write(json::Writer& w) const;
    std::string dump() const;

    // Deep equality; object members compare regardless of order, 1 equals 1.0.
    bool operator==(const Value& other) const noexcept;

private:
    std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> v_;
};

}  // namespace faas::test::kube
