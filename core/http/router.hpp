#pragma once
// Router: a small route table. A route is a set of methods and a path pattern made of literal
// segments, `{name}` (one non-empty segment) and, last, `{name...}` (the rest of the path,
// slashes included, possibly empty), as Go 1.22's ServeMux spells them:
// "/system/function/{name}", "/function/{name}/{rest...}". Paths are matched raw (not
// percent-decoded). The first route whose pattern and method match wins; a path that some
// route matches only with other methods is 405; anything else is 404. Built at start-up, then
// only read (safe to share between threads).
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faas::http {

// The segments a match captured, as views into the matched path.
class Params {
public:
    // The value captured as `name`, or "" when the route has no such capture.
    std::string_view get(std::string_view name) const;
    void add(std::string_view name, std::string_view value) { items_.emplace_back(name, value); }

private:
    std::vector<std::pair<std::string_view, std::string_view>> items_;
};

enum class RouteStatus { Found, NotFound, MethodNotAllowed };

// The untyped table: routes are numbered in the order they were added.
class RouteTable {
public:
    struct Lookup {
        RouteStatus status = RouteStatus::NotFound;
        // Found: the route served. MethodNotAllowed: the first route whose pattern matched.
        std::size_t index = 0;
        Params params;
    };

    // `methods` empty: any method. A malformed pattern is a programming error (FAAS_ASSERT).
    std::size_t add(std::initializer_list<std::string_view> methods, std::string_view pattern);
    Lookup find(std::string_view method, std::string_view path) const;

private:
    enum class Kind { Literal, Segment, Tail };
    struct Part {
        Kind kind = Kind::Literal;
        std::string text;  // the literal, or the capture's name
    };
    struct Route {
        std::vector<std::string> methods;
        std::vector<Part> parts;
    };
    static bool matches(const Route& route, std::string_view path, Params& params);

    std::vector<Route> routes_;
};

template <class Handler>
class Router {
public:
    struct Match {
        RouteStatus status = RouteStatus::NotFound;
        const Handler* handler = nullptr;  // set when Found
        // The route's label (its pattern unless add() named one); set when Found or
        // MethodNotAllowed, empty when NotFound. Meant for bounded metric labels.
        std::string_view label;
        Params params;
    };

    // Adds a route; `label` defaults to `pattern`.
    Router& add(std::initializer_list<std::string_view> methods,
                std::string_view pattern,
                Handler handler,
                std::string label = {}) {
        table_.add(methods, pattern);
        routes_.push_back(
            {std::move(handler), label.empty() ? std::string(pattern) : std::move(label)});
        return *this;
    }

    Match match(std::string_view method, std::string_view path) const {
        auto found = table_.find(method, path);
        Match m;
        m.status = found.status;
        if (found.status != RouteStatus::NotFound) {
            m.label = routes_[found.index].label;
        }
        if (found.status == RouteStatus::Found) {
            m.handler = &routes_[found.index].handler;
        }
        m.params = std::move(found.params);
        return m;
    }

private:
    struct Entry {
        Handler handler;
        std::string label;
    };
    RouteTable table_;
    std::vector<Entry> routes_;
};

}  // namespace faas::http
