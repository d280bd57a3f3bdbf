#include "core/http/router.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace faas::http {

namespace {

// The next segment of `path` at `pos` (just after a '/'), and where the one after starts
// (npos at the end).
std::pair<std::string_view, std::size_t> next_segment(std::string_view path, std::size_t pos) {
    const auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
        return {path.substr(pos), std::string_view::npos};
    }
    return {path.substr(pos, slash - pos), slash + 1};
}

bool is_capture(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view Params::get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::size_t RouteTable::add(std::initializer_list<std::string_view> methods,
                            std::string_view pattern) {
    FAAS_ASSERT(pattern.starts_with('/'));
    Route route;
    route.methods.assign(methods.begin(), methods.end());
    std::size_t pos = 1;
    while (pos != std::string_view::npos) {
        FAAS_ASSERT(route.parts.empty() || route.parts.back().kind != Kind::Tail);
        const auto [segment, next] = next_segment(pattern, pos);
        pos = next;
        Part part;
        if (!is_capture(segment)) {
            part.text = std::string(segment);
        } else if (segment.ends_with("...}")) {
            part.kind = Kind::Tail;
            part.text = std::string(segment.substr(1, segment.size() - 5));
        } else {
            part.kind = Kind::Segment;
            part.text = std::string(segment.substr(1, segment.size() - 2));
        }
        FAAS_ASSERT(part.kind == Kind::Literal || !part.text.empty());
        route.parts.push_back(std::move(part));
    }
    routes_.push_back(std::move(route));
    return routes_.size() - 1;
}

bool RouteTable::matches(const Route& route, std::string_view path, Params& params) {
    if (!path.starts_with('/')) {
        return false;
    }
    std::size_t pos = 1;
    for (const Part& part : route.parts) {
        if (pos == std::string_view::npos) {
            return false;  // the path ended before the pattern
        }
        if (part.kind == Kind::Tail) {
            params.add(part.text, path.substr(pos));
            return true;
        }
        const auto [segment, next] = next_segment(path, pos);
        pos = next;
        if (part.kind == Kind::Literal ? segment != part.text : segment.empty()) {
            return false;
        }
        if (part.kind == Kind::Segment) {
            params.add(part.text, segment);
        }
    }
    return pos == std::string_view::npos;
}

RouteTable::Lookup RouteTable::find(std::string_view method, std::string_view path) const {
    Lookup result;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const Route& route = routes_[i];
        Params params;
        if (!matches(route, path, params)) {
            continue;
        }
        const bool allowed =
            route.methods.empty() ||
            std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end();
        if (allowed) {
            result.status = RouteStatus::Found;
            result.index = i;
            result.params = std::move(params);
            return result;
        }
        if (result.status == RouteStatus::NotFound) {
            result.status = RouteStatus::MethodNotAllowed;
            result.index = i;
        }
    }
    return result;
}

}  // namespace faas::http
