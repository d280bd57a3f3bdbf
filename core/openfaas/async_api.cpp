// core/openfaas/async_api: the queue list and dead-letter list of the async /system routes.
#include "core/openfaas/async_api.hpp"

#include <initializer_list>
#include <type_traits>

#include "core/json/json.hpp"
#include "core/openfaas/json_fields.hpp"

namespace faas::openfaas {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Error bad(std::string_view what, std::string message) {
    return make_error(errc::bad_request, std::string(what) + ": " + std::move(message));
}

// A missing or null member leaves `out` alone.
template <class Int>
Status read_int(object obj, std::string_view what, std::string_view key, Int& out) {
    const auto found = detail::find_member(obj, key);
    if (!found) {
        return {};
    }
    const element e = *found;
    if (e.get(out) != simdjson::SUCCESS) {
        return bad(what, "\"" + std::string(key) + "\" is not " +
                             (std::is_signed_v<Int> ? "an integer" : "a non-negative integer"));
    }
    return {};
}

// Calls fill(object, T&) for each object of the JSON array `text`.
template <class T, class Fill>
Result<std::vector<T>> parse_rows(std::string_view text, std::string_view what, Fill fill) {
    auto doc = json::parse(text);
    if (!doc) {
        return bad(what, "not JSON: " + doc.error().what());
    }
    array items;
    if (doc->root().get(items) != simdjson::SUCCESS) {
        return bad(what, "not a JSON array");
    }
    std::vector<T> out;
    for (element item : items) {
        object obj;
        if (item.get(obj) != simdjson::SUCCESS) {
            return bad(what, "an item is not a JSON object");
        }
        T row;
        if (auto st = fill(obj, row); !st) {
            return st.error();
        }
        out.push_back(std::move(row));
    }
    return out;
}

// The first failure of several reads.
Status first_error(std::initializer_list<Status> results) {
    for (const auto& r : results) {
        if (!r) {
            return r;
        }
    }
    return {};
}

constexpr std::string_view kQueues = "queue list";
constexpr std::string_view kDeadLetters = "dead letters";

}  // namespace

std::string to_json(const std::vector<QueueInfo>& queues) {
    json::Writer w;
    w.begin_array();
    for (const auto& q : queues) {
        w.begin_object();
        w.key("name").value(q.name);
        w.key("subject").value(q.subject);
        w.key("messages").value(q.messages);
        w.key("pending").value(q.pending);
        w.key("inFlight").value(q.in_flight);
        w.key("deadLetters").value(q.dead_letters);
        w.key("consumers").value(q.consumers);
        w.end_object();
    }
    w.end_array();
    return std::move(w).str();
}

std::string to_json(const std::vector<DeadLetterInfo>& letters) {
    json::Writer w;
    w.begin_array();
    for (const auto& d : letters) {
        w.begin_object();
        w.key("sequence").value(d.sequence);
        w.key("callId").value(d.call_id);
        w.key("function").value(d.function);
        w.key("queue").value(d.queue);
        w.key("attempts").value(d.attempts);
        w.key("statusCode").value(d.status_code);
        w.key("reason").value(d.reason);
        w.key("deadLetteredAt").value(d.dead_lettered_at);
        w.key("enqueuedAt").value(d.enqueued_at);
        if (!d.error.empty()) {
            w.key("error").value(d.error);
        }
        w.end_object();
    }
    w.end_array();
    return std::move(w).str();
}

Result<std::vector<QueueInfo>> parse_queues(std::string_view text) {
    return parse_rows<QueueInfo>(text, kQueues, [](object o, QueueInfo& q) -> Status {
        return first_error({detail::read_string(o, kQueues, "name", q.name),
                            detail::read_string(o, kQueues, "subject", q.subject),
                            read_int(o, kQueues, "messages", q.messages),
                            read_int(o, kQueues, "pending", q.pending),
                            read_int(o, kQueues, "inFlight", q.in_flight),
                            read_int(o, kQueues, "deadLetters", q.dead_letters),
                            read_int(o, kQueues, "consumers", q.consumers)});
    });
}

Result<std::vector<DeadLetterInfo>> parse_dead_letters(std::string_view text) {
    return parse_rows<DeadLetterInfo>(
        text, kDeadLetters, [](object o, DeadLetterInfo& d) -> Status {
            return first_error(
                {read_int(o, kDeadLetters, "sequence", d.sequence),
                 detail::read_string(o, kDeadLetters, "callId", d.call_id),
                 detail::read_string(o, kDeadLetters, "function", d.function),
                 detail::read_string(o, kDeadLetters, "queue", d.queue),
                 read_int(o, kDeadLetters, "attempts", d.attempts),
                 read_int(o, kDeadLetters, "statusCode", d.status_code),
                 detail::read_string(o, kDeadLetters, "reason", d.reason),
                 detail::read_string(o, kDeadLetters, "deadLetteredAt", d.dead_lettered_at),
                 detail::read_string(o, kDeadLetters, "enqueuedAt", d.enqueued_at),
                 detail::read_string(o, kDeadLetters, "error", d.error)});
        });
}

}  // namespace faas::openfaas
