#include "cli/queue.hpp"

#include <algorithm>

#include "cli/commands.hpp"
#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"

namespace faas::cli {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Reads the keys of one object; a missing key or null keeps the default, a wrong type is an
// error naming the key.
class Fields {
public:
    Fields(object obj, std::string_view what) : obj_(obj), what_(what) {}

    Status str(const char* key, std::string& out) const {
        element e;
        if (!present(key, e)) {
            return {};
        }
        std::string_view v;
        if (e.get(v) != simdjson::SUCCESS) {
            return wrong(key, "a string");
        }
        out = std::string(v);
        return {};
    }
    Status u64(const char* key, std::uint64_t& out) const {
        element e;
        if (!present(key, e)) {
            return {};
        }
        if (e.get(out) != simdjson::SUCCESS) {
            return wrong(key, "a non-negative integer");
        }
        return {};
    }

private:
    bool present(const char* key, element& e) const {
        return obj_.at_key(key).get(e) == simdjson::SUCCESS && !e.is_null();
    }
    Error wrong(const char* key, const char* expected) const {
        return make_error(errc::upstream_failed, what_ + ": \"" + key + "\" is not " + expected);
    }

    object obj_;
    std::string what_;
};

// The first failure of several reads (all of them run).
Status first_error(std::initializer_list<Status> results) {
    for (const auto& r : results) {
        if (!r) {
            return r;
        }
    }
    return {};
}

// Calls fill(Fields, T&) for each object of the array at `root` (or at root[key] when `key`).
template <class T, class Fill>
Result<std::vector<T>> parse_array(element root, std::string_view what, Fill fill) {
    array items;
    if (root.get(items) != simdjson::SUCCESS) {
        return make_error(errc::upstream_failed, std::string(what) + ": not a JSON array");
    }
    std::vector<T> out;
    for (element item : items) {
        object obj;
        if (item.get(obj) != simdjson::SUCCESS) {
            return make_error(errc::upstream_failed,
                              std::string(what) + ": an item is not a JSON object");
        }
        T value;
        if (auto s = fill(Fields(obj, what), value); !s) {
            return s.error();
        }
        out.push_back(std::move(value));
    }
    return out;
}

Result<json::Document> parse_json(std::string_view text, std::string_view what) {
    auto doc = json::parse(text);
    if (!doc) {
        return make_error(errc::upstream_failed,
                          std::string(what) + ": not JSON: " + doc.error().what());
    }
    return doc;
}

// A gateway answer that does not parse is the gateway's fault, not the user's.
template <class T>
Result<T> from_gateway(Result<T> parsed) {
    if (!parsed) {
        return make_error(errc::upstream_failed, parsed.error().what());
    }
    return parsed;
}

Status fill_redrive(const Fields& f, RedriveItem& item) {
    return first_error({f.u64("sequence", item.sequence), f.str("callId", item.call_id),
                        f.str("error", item.error)});
}

}  // namespace

Result<std::vector<QueueInfo>> parse_queues(std::string_view text) {
    return from_gateway(openfaas::parse_queues(text));
}

Result<std::vector<DeadLetterInfo>> parse_dead_letters(std::string_view text) {
    return from_gateway(openfaas::parse_dead_letters(text));
}

Result<RedriveResult> parse_redrive(std::string_view text) {
    auto doc = parse_json(text, "redrive answer");
    if (!doc) {
        return doc.error();
    }
    RedriveResult out;
    for (auto [key, target] :
         {std::pair{"redriven", &out.redriven}, std::pair{"failed", &out.failed}}) {
        element list;
        if (doc->root().at_key(key).get(list) != simdjson::SUCCESS || list.is_null()) {
            continue;
        }
        auto items = parse_array<RedriveItem>(list, "redrive answer", fill_redrive);
        if (!items) {
            return items.error();
        }
        *target = std::move(*items);
    }
    return out;
}

std::string queues_table(std::vector<QueueInfo> queues) {
    std::sort(queues.begin(), queues.end(),
              [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
    std::vector<std::vector<std::string>> rows{
        {"QUEUE", "MESSAGES", "PENDING", "IN-FLIGHT", "DEAD-LETTERS"}};
    for (const auto& q : queues) {
        rows.push_back({q.name, std::to_string(q.messages), std::to_string(q.pending),
                        std::to_string(q.in_flight), std::to_string(q.dead_letters)});
    }
    return table_text(rows);
}

std::string dead_letters_table(const std::vector<DeadLetterInfo>& letters) {
    std::vector<std::vector<std::string>> rows{
        {"SEQ", "CALL-ID", "FUNCTION", "QUEUE", "ATTEMPTS", "STATUS", "REASON", "DEAD-LETTERED"}};
    for (const auto& d : letters) {
        rows.push_back({std::to_string(d.sequence), d.call_id, d.function, d.queue,
                        std::to_string(d.attempts),
                        d.status_code == 0 ? "-" : std::to_string(d.status_code), d.reason,
                        d.dead_lettered_at});
    }
    return table_text(rows);
}

std::string call_status_text(const openfaas::CallStatus& s) {
    std::vector<std::pair<std::string, std::string>> lines{
        {"Call ID", s.call_id},
        {"Function", s.function},
        {"Queue", s.queue},
        {"Status", std::string(openfaas::state_name(s.state))},
        {"Attempt", std::to_string(s.attempt)},
        {"Enqueued at", s.enqueued_at},
        {"Updated at", s.updated_at},
        {"Next attempt at", s.next_attempt_at},
        {"Status code", s.status_code == 0 ? "" : std::to_string(s.status_code)},
        {"Error", s.error},
        {"Callback URL", s.callback_url},
        {"Callback status", s.callback_status == 0 ? "" : std::to_string(s.callback_status)},
    };
    std::string out;
    for (const auto& [label, value] : lines) {
        if (!value.empty()) {
            out.append(label).append(":").append(16 - label.size(), ' ').append(value).append("\n");
        }
    }
    return out;
}

Result<std::string> redrive_body(const std::optional<std::string>& function,
                                 const std::vector<std::string>& sequences) {
    if (function && !sequences.empty()) {
        return make_error(errc::bad_request,
                          "redrive takes either --function or sequence numbers, not both");
    }
    json::Writer w;
    w.begin_object();
    if (function) {
        w.key("function").value(qualified_function(*function));
    } else if (!sequences.empty()) {
        w.key("sequences").begin_array();
        for (const auto& seq : sequences) {
            const bool digits = !seq.empty() && seq.size() <= 19 &&
                                seq.find_first_not_of("0123456789") == std::string::npos;
            const std::uint64_t n = digits ? std::stoull(seq) : 0;
            if (n == 0) {
                return make_error(errc::bad_request,
                                  "\"" + seq +
                                      "\" is not a dead letter's sequence number (SEQ "
                                      "in faas queue dead-letters)");
            }
            w.value(n);
        }
        w.end_array();
    }
    w.end_object();
    return std::move(w).str();
}

std::string qualified_function(std::string_view name,
                               const std::optional<std::string>& ns) {
    if (ns) {
        return std::string(name) + "." + *ns;
    }
    if (name.find('.') != std::string_view::npos) {
        return std::string(name);
    }
    return std::string(name) + "." + std::string(openfaas::kDefaultNamespace);
}

}  // namespace faas::cli
