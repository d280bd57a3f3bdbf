#pragma once
// Our HTTP message types. Components use these; Beast stays inside core/http/*.cpp.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faas::http {

struct Header {
    std::string name;
    std::string value;
    bool operator==(const Header&) const = default;
};

// An ordered header list with case-insensitive lookup; repeated names are kept.
class Headers {
public:
    Headers() = default;
    Headers(std::initializer_list<Header> init) : items_(init) {}

    // First value of `name`, if any.
    std::optional<std::string_view> get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }
    // Replaces every value of `name` with one.
    void set(std::string_view name, std::string_view value);
    void add(std::string_view name, std::string_view value);
    void remove(std::string_view name);

    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }

    // Same names (exact case) and values in the same order.
    bool operator==(const Headers&) const = default;

private:
    std::vector<Header> items_;
};

// Splits a request-target "/a/b?x=1" into path and raw query (no '?').
struct Target {
    std::string_view path;
    std::string_view query;
};
Target split_target(std::string_view target);

// Percent-decodes a path ("%20" -> " "); returns nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

// A form-encoded query "a=1&b=x%20y" -> {a: 1, b: "x y"}: '+' is a space, a malformed escape is
// kept as it is, the first value of a repeated key wins.
std::map<std::string, std::string> parse_query(std::string_view query);
// The value of `key` in a parsed query, or "" when absent.
std::string query_value(const std::map<std::string, std::string>& q, const std::string& key);

// A request head as received by a server or sent by a client.
struct Request {
    std::string method = "GET";
    std::string target = "/";
    Headers headers;
    std::string body;
};

struct Response {
    int status = 200;
    Headers headers;
    std::string body;
};

// A plain-text response shaped like Go's http.Error: text/plain; charset=utf-8, nosniff, and
// the message ending in "\n".
Response text_error(int status, std::string_view message);

// The reason phrase for a status code ("Not Found").
std::string_view reason(int status) noexcept;

// Hop-by-hop headers a proxy must not forward (RFC 7230 6.1 plus the usual legacy ones).
bool is_hop_by_hop(std::string_view name) noexcept;

}  // namespace faas::http
