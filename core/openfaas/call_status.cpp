// core/openfaas/call_status: the async call's status record and its JSON (docs/async.md).
#include "core/openfaas/call_status.hpp"

#include <array>
#include <limits>
#include <utility>

#include "core/json/json.hpp"
#include "core/openfaas/json_fields.hpp"

namespace faas::openfaas {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::array<std::pair<CallState, std::string_view>, 6> kStates{{
    {CallState::Queued, "queued"},
    {CallState::Running, "running"},
    {CallState::Retrying, "retrying"},
    {CallState::Succeeded, "succeeded"},
    {CallState::Failed, "failed"},
    {CallState::DeadLettered, "dead-lettered"},
}};

Error bad(std::string message) {
    return make_error(errc::bad_request, "call status: " + std::move(message));
}

// Missing or null leaves `out` alone; otherwise an integer within [0, max].
Status read_count(object obj, std::string_view key, std::uint64_t max, std::uint64_t& out) {
    const auto found = detail::find_member(obj, key);
    if (!found) {
        return {};
    }
    const element e = *found;
    std::uint64_t n = 0;
    if (e.get_uint64().get(n) != simdjson::SUCCESS || n > max) {
        return bad("\"" + std::string(key) + "\" must be an integer from 0 to " +
                   std::to_string(max));
    }
    out = n;
    return {};
}

}  // namespace

std::string_view state_name(CallState s) noexcept {
    for (const auto& [state, name] : kStates) {
        if (state == s) {
            return name;
        }
    }
    return "unknown";
}

std::optional<CallState> parse_state(std::string_view name) noexcept {
    for (const auto& [state, n] : kStates) {
        if (n == name) {
            return state;
        }
    }
    return std::nullopt;
}

std::string to_json(const CallStatus& s) {
    json::Writer w;
    w.begin_object();
    w.key("callId").value(s.call_id);
    w.key("function").value(s.function);
    w.key("queue").value(s.queue);
    w.key("status").value(state_name(s.state));
    w.key("attempt").value(static_cast<std::uint64_t>(s.attempt));
    w.key("enqueuedAt").value(s.enqueued_at);
    w.key("updatedAt").value(s.updated_at);
    if (!s.next_attempt_at.empty()) {
        w.key("nextAttemptAt").value(s.next_attempt_at);
    }
    if (s.status_code != 0) {
        w.key("statusCode").value(s.status_code);
    }
    if (!s.error.empty()) {
        w.key("error").value(s.error);
    }
    if (!s.callback_url.empty()) {
        w.key("callbackUrl").value(s.callback_url);
    }
    if (s.callback_status != 0) {
        w.key("callbackStatus").value(s.callback_status);
    }
    w.end_object();
    return std::move(w).str();
}

Result<CallStatus> parse_call_status(std::string_view json) {
    auto root = detail::parse_root_object(json, "call status");
    if (!root) {
        return root.error();
    }
    const object obj = root->obj;
    CallStatus s;
    std::string state;
    if (auto st = detail::read_strings(obj, "call status",
                                       {{"callId", &s.call_id},
                                        {"function", &s.function},
                                        {"queue", &s.queue},
                                        {"status", &state},
                                        {"enqueuedAt", &s.enqueued_at},
                                        {"updatedAt", &s.updated_at},
                                        {"nextAttemptAt", &s.next_attempt_at},
                                        {"error", &s.error},
                                        {"callbackUrl", &s.callback_url}});
        !st) {
        return st.error();
    }
    if (s.call_id.empty()) {
        return bad("\"callId\" is missing");
    }
    const auto parsed = parse_state(state);
    if (!parsed) {
        return bad(
            "\"status\" must be one of queued, running, retrying, succeeded, failed, "
            "dead-lettered (got \"" +
            state + "\")");
    }
    s.state = *parsed;
    std::uint64_t attempt = 0;
    std::uint64_t status_code = 0;
    std::uint64_t callback_status = 0;
    constexpr std::uint64_t kMaxStatus = 999;
    if (auto st = read_count(obj, "attempt", std::numeric_limits<std::uint32_t>::max(), attempt);
        !st) {
        return st.error();
    }
    if (auto st = read_count(obj, "statusCode", kMaxStatus, status_code); !st) {
        return st.error();
    }
    if (auto st = read_count(obj, "callbackStatus", kMaxStatus, callback_status); !st) {
        return st.error();
    }
    s.attempt = static_cast<std::uint32_t>(attempt);
    s.status_code = static_cast<int>(status_code);
    s.callback_status = static_cast<int>(callback_status);
    return s;
}

}  // namespace faas::openfaas
