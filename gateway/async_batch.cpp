// The batch route (docs/async.md): POST /async-batch/<name>[.<ns>][/<path>] queues one call per
// NDJSON line, all publishes in flight at once, and answers with one row per line.
#include <string_view>
#include <vector>

#include "core/json/json.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/async_submission.hpp"

namespace faas::gateway {

namespace {

struct Line {
    std::size_t number = 0;  // physical, 1-based
    std::string_view text;
};

// The non-empty lines of an NDJSON body ("\r\n" ends a line too).
std::vector<Line> split_lines(std::string_view body) {
    std::vector<Line> out;
    std::size_t number = 0;
    std::size_t at = 0;
    while (at < body.size()) {
        ++number;
        std::size_t end = body.find('\n', at);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        std::string_view text = body.substr(at, end - at);
        if (!text.empty() && text.back() == '\r') {
            text.remove_suffix(1);
        }
        if (!text.empty()) {
            out.push_back({number, text});
        }
        at = end + 1;
    }
    return out;
}

// What became of one line.
struct Outcome {
    std::size_t line = 0;
    std::string call_id;
    int status = 0;  // 0: queued
    std::string error;
    bool duplicate = false;
};

// The batch's calls: one per line that fits, each with its outcome row.
struct Batch {
    std::vector<Outcome> outcomes;  // one per line
    std::vector<Enqueue> calls;
    std::vector<std::size_t> slot;  // calls[i] is outcomes[slot[i]]
};

// False when the batch was answered: too many lines, or none.
awaitable<bool> check_lines(Submission& s, const std::vector<Line>& lines) {
    const std::size_t max_lines = s.ts.shared.config.async_batch_max_lines;
    if (lines.size() > max_lines) {
        const std::string message =
            "too many lines: the limit (async_batch_max_lines) is " + std::to_string(max_lines);
        co_await fail(s, errc::body_too_large, message);
        co_return false;
    }
    if (lines.empty()) {
        const std::string message = "the batch has no non-empty line";
        co_await fail(s, errc::bad_request, message);
        co_return false;
    }
    co_return true;
}

// A call per line; a line over the queued body limit is refused (413) in its row only. With an
// Idempotency-Key each line gets its own key, "<key>:<line number>".
Batch build_calls(const Submission& s, const std::vector<Line>& lines) {
    const std::uint64_t line_limit = s.ts.shared.queue->max_body();
    Batch b;
    b.outcomes.resize(lines.size());
    b.calls.reserve(lines.size());
    const Enqueue call_template = make_template(s);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Outcome& o = b.outcomes[i];
        o.line = lines[i].number;
        if (lines[i].text.size() > line_limit) {
            o.status = http_status(errc::body_too_large);
            o.error = "line too large: the limit (async_max_request_size) is " +
                      std::to_string(line_limit) + " bytes";
            continue;
        }
        std::string key;
        std::string call_id;
        if (!s.idempotency_key.empty()) {
            key = s.idempotency_key + ":" + std::to_string(lines[i].number);
            call_id = call_id_for_key(s.key, key);
        } else {
            call_id = new_call_id();
        }
        o.call_id = call_id;
        b.calls.push_back(call_template);
        set_call(b.calls.back(), s, std::string(lines[i].text), std::move(call_id), key);
        b.slot.push_back(i);
    }
    return b;
}

void record_results(Batch& b, const std::vector<Result<nats::PubAck>>& results) {
    for (std::size_t i = 0; i < results.size(); ++i) {
        Outcome& o = b.outcomes[b.slot[i]];
        if (results[i]) {
            o.duplicate = results[i].value().duplicate;
        } else {
            o.status = http_status(results[i].error().code);
            o.error = "Error queuing request: " + results[i].error().what();
        }
    }
}

// {"function", "accepted", "failed", "calls": [{"line", "callId"[, "duplicate"]} or
// {"line", "status", "error"}]}
std::string report(const std::string& function,
                   const std::vector<Outcome>& outcomes,
                   std::size_t accepted) {
    json::Writer w;
    w.begin_object().key("function").value(function);
    w.key("accepted").value(static_cast<std::uint64_t>(accepted));
    w.key("failed").value(static_cast<std::uint64_t>(outcomes.size() - accepted));
    w.key("calls").begin_array();
    for (const auto& o : outcomes) {
        w.begin_object().key("line").value(static_cast<std::uint64_t>(o.line));
        if (o.status == 0) {
            w.key("callId").value(o.call_id);
            if (o.duplicate) {
                w.key("duplicate").value(true);
            }
        } else {
            w.key("status").value(o.status).key("error").value(o.error);
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

// 202 when any line was queued, else the first line's failure status.
awaitable<void> answer_batch(Submission& s, const std::vector<Outcome>& outcomes) {
    std::size_t accepted = 0;
    int first_failure = 0;
    for (const auto& o : outcomes) {
        if (o.status == 0) {
            ++accepted;
        } else if (first_failure == 0) {
            first_failure = o.status;
        }
    }
    s.ts.shared.log->debug("async batch fn={} call_id={} lines={} accepted={} failed={}", s.key,
                           s.caller_call_id.empty() ? "-" : s.caller_call_id, outcomes.size(),
                           accepted, outcomes.size() - accepted);
    http::Response res;
    res.status = accepted > 0 ? 202 : first_failure;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("X-Start-Time", s.start_ns);
    res.body = report(s.key, outcomes, accepted);
    co_await reply(s, res);
}

}  // namespace

awaitable<void> handle_batch(ThreadState& ts, http::Exchange& ex, FunctionRoute route) {
    Submission s(ts, ex, std::move(route), true);
    if (!co_await admit(s)) {
        co_return;
    }
    const std::vector<Line> lines = split_lines(s.body);
    if (!co_await check_lines(s, lines)) {
        co_return;
    }
    Batch b = build_calls(s, lines);
    std::vector<Result<nats::PubAck>> results;
    if (!b.calls.empty()) {
        results = co_await ts.publisher.enqueue_all(*s.js, std::move(b.calls));
    }
    record_results(b, results);
    co_await answer_batch(s, b.outcomes);
}

}  // namespace faas::gateway
