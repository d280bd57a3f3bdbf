// Label and field selectors, parsed from the query as the real server does (the subset of the
// grammar Kubernetes clients send: no set-based operators on fields).
#include <algorithm>
#include <string>

#include "core/text/text.hpp"
#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

namespace {

ApiError bad_selector(std::string_view text, std::string_view why) {
    ApiError e;
    e.code = 400;
    e.reason = "BadRequest";
    e.message = "unable to parse requirement: " + std::string(why) + " in selector \"" +
                std::string(text) + "\"";
    return e;
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> split_terms(std::string_view text) {
    std::vector<std::string_view> out;
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || (text[i] == ',' && depth == 0)) {
            auto term = text::trim(text.substr(start, i - start));
            if (!term.empty()) {
                out.push_back(term);
            }
            start = i + 1;
        } else if (text[i] == '(') {
            ++depth;
        } else if (text[i] == ')') {
            --depth;
        }
    }
    return out;
}

std::string label_value(const Value& labels, const std::string& key, bool& present) {
    const Value* v = labels.find(key);
    present = v != nullptr;
    return v == nullptr ? std::string() : v->as_string();
}

}  // namespace

ApiResult<LabelSelector> LabelSelector::parse(std::string_view text) {
    LabelSelector sel;
    for (auto term : split_terms(text)) {
        Term t;
        if (auto pos = term.find(" notin "); pos != std::string_view::npos) {
            t.key = std::string(text::trim(term.substr(0, pos)));
            t.op = Op::NotIn;
            term = text::trim(term.substr(pos + 7));
        } else if (pos = term.find(" in "); pos != std::string_view::npos) {
            t.key = std::string(text::trim(term.substr(0, pos)));
            t.op = Op::In;
            term = text::trim(term.substr(pos + 4));
        } else if (pos = term.find("!="); pos != std::string_view::npos) {
            t.key = std::string(text::trim(term.substr(0, pos)));
            t.op = Op::NotEquals;
            t.values.emplace_back(text::trim(term.substr(pos + 2)));
        } else if (pos = term.find('='); pos != std::string_view::npos) {
            t.key = std::string(text::trim(term.substr(0, pos)));
            auto rest = term.substr(pos + 1);
            if (!rest.empty() && rest.front() == '=') {
                rest.remove_prefix(1);
            }
            t.values.emplace_back(text::trim(rest));
        } else if (term.front() == '!') {
            t.key = std::string(text::trim(term.substr(1)));
            t.op = Op::DoesNotExist;
        } else {
            t.key = std::string(term);
            t.op = Op::Exists;
        }
        if (t.op == Op::In || t.op == Op::NotIn) {
            if (term.size() < 2 || term.front() != '(' || term.back() != ')') {
                return bad_selector(text, "expected a parenthesised set of values");
            }
            t.values = text::split_list(term.substr(1, term.size() - 2), ',');
        }
        if (t.key.empty()) {
            return bad_selector(text, "empty key");
        }
        sel.terms_.push_back(std::move(t));
    }
    return sel;
}

LabelSelector LabelSelector::from_object(const Value& selector) {
    LabelSelector sel = from_map(selector.find("matchLabels") ? *selector.find("matchLabels")
                                                             : Value());
    if (const Value* exprs = selector.find("matchExpressions")) {
        for (const auto& e : exprs->items()) {
            Term t;
            t.key = e.string_at({"key"});
            const std::string op = e.string_at({"operator"});
            t.op = op == "In"         ? Op::In
                   : op == "NotIn"    ? Op::NotIn
                   : op == "Exists"   ? Op::Exists
                                      : Op::DoesNotExist;
            if (const Value* values = e.find("values")) {
                for (const auto& v : values->items()) {
                    t.values.push_back(v.as_string());
                }
            }
            sel.terms_.push_back(std::move(t));
        }
    }
    return sel;
}

LabelSelector LabelSelector::from_map(const Value& labels) {
    LabelSelector sel;
    for (const auto& [k, v] : labels.members()) {
        sel.terms_.push_back(Term{k, Op::Equals, {v.as_string()}});
    }
    return sel;
}

bool LabelSelector::matches(const Value& labels) const {
    return std::all_of(terms_.begin(), terms_.end(), [&labels](const Term& t) {
        bool present = false;
        const std::string value = label_value(labels, t.key, present);
        const bool listed = std::find(t.values.begin(), t.values.end(), value) != t.values.end();
        switch (t.op) {
            case Op::Equals:
                return present && value == t.values.front();
            case Op::NotEquals:
                return !present || value != t.values.front();
            case Op::In:
                return present && listed;
            case Op::NotIn:
                return !present || !listed;
            case Op::Exists:
                return present;
            case Op::DoesNotExist:
                return !present;
        }
        return false;
    });
}

std::string LabelSelector::to_string() const {
    std::string out;
    for (const auto& t : terms_) {
        if (!out.empty()) {
            out += ',';
        }
        std::string values;
        for (const auto& v : t.values) {
            values += (values.empty() ? "" : ",") + v;
        }
        switch (t.op) {
            case Op::Equals:
                out += t.key + "=" + values;
                break;
            case Op::NotEquals:
                out += t.key + "!=" + values;
                break;
            case Op::In:
                out += t.key + " in (" + values + ")";
                break;
            case Op::NotIn:
                out += t.key + " notin (" + values + ")";
                break;
            case Op::Exists:
                out += t.key;
                break;
            case Op::DoesNotExist:
                out += "!" + t.key;
                break;
        }
    }
    return out;
}

ApiResult<FieldSelector> FieldSelector::parse(std::string_view text) {
    FieldSelector sel;
    for (auto term : split_terms(text)) {
        Term t;
        auto pos = term.find("!=");
        std::size_t skip = 2;
        if (pos != std::string_view::npos) {
            t.negated = true;
        } else {
            pos = term.find('=');
            if (pos == std::string_view::npos) {
                ApiError e;
                e.code = 400;
                e.reason = "BadRequest";
                e.message = "invalid selector: '" + std::string(text) +
                            "'; can't understand '" + std::string(term) + "'";
                return e;
            }
            skip = term.substr(pos).starts_with("==") ? 2 : 1;
        }
        auto path = text::trim(term.substr(0, pos));
        std::size_t start = 0;
        while (start <= path.size()) {
            auto dot = path.find('.', start);
            if (dot == std::string_view::npos) {
                dot = path.size();
            }
            t.path.emplace_back(path.substr(start, dot - start));
            start = dot + 1;
        }
        t.value = std::string(text::trim(term.substr(pos + skip)));
        sel.terms_.push_back(std::move(t));
    }
    return sel;
}

bool FieldSelector::matches(const Value& object) const {
    return std::all_of(terms_.begin(), terms_.end(), [&object](const Term& t) {
        const Value* cur = &object;
        for (const auto& key : t.path) {
            cur = cur == nullptr ? nullptr : cur->find(key);
        }
        std::string value;
        if (cur != nullptr) {
            value = cur->is_string() ? cur->as_string() : cur->dump();
        }
        return (value == t.value) != t.negated;
    });
}

}  // namespace faas::test::kube
