// GET of one object and LIST (selectors, limit/continue pagination, resourceVersionMatch).
#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/api.hpp"

namespace faas::test::kube {

namespace {

struct ContinueToken {
    std::int64_t revision = 0;
    // Keys from here on make the next page: the last key sent plus "\0", as etcd's range.
    std::string start;
};

// Go's quoteChar for the first byte a JSON decoder choked on.
std::string quote_char(unsigned char c) {
    if (c >= 0x20 && c < 0x7f) {
        return std::string("'") + static_cast<char>(c) + "'";
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out = "'\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    return out + "'";
}

// Continue tokens are base64url without padding (Go's base64.RawURLEncoding).
std::string encode_continue(std::int64_t revision, const std::string& start) {
    json::Writer w;
    w.begin_object().key("v").value("meta.k8s.io/v1").key("rv").value(revision);
    w.key("start").value(start + std::string(1, '\0')).end_object();
    std::string out = text::base64_encode(w.str());
    for (char& c : out) {
        c = c == '+' ? '-' : (c == '/' ? '_' : c);
    }
    out.erase(out.find_last_not_of('=') + 1);
    return out;
}

std::optional<std::string> decode_raw_url(std::string token) {
    for (char& c : token) {
        c = c == '-' ? '+' : (c == '_' ? '/' : c);
    }
    if (token.size() % 4 == 1) {
        return std::nullopt;
    }
    while (token.size() % 4 != 0) {
        token += '=';
    }
    return text::base64_decode(token);
}

ApiResult<ContinueToken> decode_continue(const std::string& token) {
    const std::string prefix = "invalid continue token: continue key is not valid: ";
    auto raw = decode_raw_url(token);
    if (!raw) {
        return bad_request(prefix + "illegal base64 data");
    }
    auto parsed = Value::parse(*raw);
    if (!parsed || !parsed->is_object()) {
        const std::string first = raw->empty() ? "unexpected end of JSON input"
                                               : "invalid character " +
                                                     quote_char(static_cast<unsigned char>(
                                                         (*raw)[0])) +
                                                     " looking for beginning of value";
        return bad_request(prefix + first);
    }
    ContinueToken out;
    out.revision = parsed->int_at({"rv"});
    out.start = parsed->string_at({"start"});
    if (parsed->string_at({"v"}) != "meta.k8s.io/v1" || out.revision <= 0) {
        return bad_request(prefix + "continue key is not valid");
    }
    return out;
}

std::string page_key(const ApiRequest& req, const Value& object) {
    std::string name = object.string_at({"metadata", "name"});
    if (!req.ns.empty() || !req.resource->namespaced) {
        return name;
    }
    return object.string_at({"metadata", "namespace"}) + "/" + name;
}

Value list_item(Value object) {
    object.erase("kind");
    object.erase("apiVersion");
    return object;
}

ApiError list_too_old() {
    ApiError e;
    e.code = 410;
    e.reason = "Expired";
    e.message = "The resourceVersion for the provided list is too old.";
    return e;
}

}  // namespace

ApiResult<Selectors> parse_selectors(const ApiRequest& req) {
    auto labels = LabelSelector::parse(http::query_value(req.query, "labelSelector"));
    if (!labels) {
        return labels.error();
    }
    auto fields = FieldSelector::parse(http::query_value(req.query, "fieldSelector"));
    if (!fields) {
        return fields.error();
    }
    return Selectors{std::move(labels).value(), std::move(fields).value()};
}

ApiResult<Reply> handle_get(State& state, const ApiRequest& req) {
    const Value* object = state.store.get(req.resource->gvr, req.ns, req.name);
    if (object == nullptr) {
        return not_found(req.resource->gvr, req.name);
    }
    return Reply{200, *object, {}};
}

ApiResult<Reply> handle_list(State& state, const ApiRequest& req) {
    auto selectors = parse_selectors(req);
    if (!selectors) {
        return selectors.error();
    }
    const LabelSelector& labels = selectors->labels;
    const FieldSelector& fields = selectors->fields;
    std::int64_t revision = state.store.revision();
    const std::string rv = http::query_value(req.query, "resourceVersion");
    if (http::query_value(req.query, "resourceVersionMatch") == "Exact" && !rv.empty() &&
        std::to_string(revision) != rv) {
        // The stand-in keeps no snapshots: only the current revision can be listed exactly.
        return list_too_old();
    }
    std::string start;
    const std::string cont = http::query_value(req.query, "continue");
    if (!cont.empty()) {
        auto token = decode_continue(cont);
        if (!token) {
            return token.error();
        }
        revision = token->revision;
        start = token->start;
    }
    auto items = state.store.list(req.resource->gvr, req.ns, labels, fields);
    const auto limit = text::parse_uint(http::query_value(req.query, "limit")).value_or(0);
    Value out_items = Value::array();
    std::size_t remaining = 0;
    std::string last;
    bool more = false;
    for (auto& item : items) {
        const std::string key = page_key(req, item);
        if (!start.empty() && key < start) {
            continue;
        }
        if (limit > 0 && out_items.size() == limit) {
            more = true;
            ++remaining;
            continue;
        }
        last = key;
        out_items.push_back(list_item(std::move(item)));
    }
    Value body = Value::object();
    body["kind"] = std::string(req.resource->kind) + "List";
    body["apiVersion"] = req.resource->gvr.api_version();
    Value& meta = body["metadata"];
    meta["resourceVersion"] = std::to_string(revision);
    if (more) {
        meta["continue"] = encode_continue(revision, last);
        if (labels.empty() && fields.empty()) {
            meta["remainingItemCount"] = static_cast<std::int64_t>(remaining);
        }
    }
    body["items"] = std::move(out_items);
    return Reply{200, std::move(body), {}};
}


ApiResult<Reply> handle_delete_collection(State& state, const ApiRequest& req) {
    if (req.resource->gvr == gvr::kNamespaces) {
        return method_not_allowed();
    }
    auto listed = handle_list(state, req);
    if (!listed) {
        return listed.error();
    }
    Value& body = listed->body;
    Value deleted = Value::array();
    for (const auto& item : body.at({"items"})->items()) {
        DeleteOptions options;
        if (req.resource->gvr == gvr::kPods) {
            options.grace_seconds = item.string_at({"spec", "nodeName"}).empty()
                                        ? 0
                                        : item.int_at({"spec", "terminationGracePeriodSeconds"},
                                                      30);
        }
        auto outcome = state.store.remove(req.resource->gvr, item.string_at({"metadata",
                                                                             "namespace"}),
                                          item.string_at({"metadata", "name"}), options);
        if (outcome) {
            deleted.push_back(list_item(std::move(outcome->object)));
        }
    }
    body["items"] = std::move(deleted);
    body.set({"metadata", "resourceVersion"}, std::to_string(state.store.revision()));
    return std::move(listed).value();
}

}  // namespace faas::test::kube
