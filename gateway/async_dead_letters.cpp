// The dead letters (docs/async.md): GET /system/async-dead-letters lists them and
// POST /system/async-dead-letters/redrive queues them again. Every JetStream read is a blocking
// API request, run on the JetStream's blocking pool, never on an I/O thread.
#include <algorithm>
#include <functional>
#include <optional>

#include "core/json/json.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/async_api.hpp"
#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"
#include "gateway/async.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

namespace oa = openfaas::async;

namespace {

// Dead letters listed or redriven by one request at most.
constexpr std::size_t kMaxListed = 1000;
constexpr std::size_t kMaxRedriven = 10000;

struct DeadLetter {
    openfaas::DeadLetterInfo info;                  // as listed
    std::optional<openfaas::QueueRequest> request;  // nullopt when the body is not one
};

struct DeadLetterFilter {
    std::string function;                  // "fn.ns", "" for any
    std::string queue;                     // "" for any
    std::vector<std::uint64_t> sequences;  // only these, when not empty
    std::uint64_t after = 0;
    std::size_t limit = 100;
};

DeadLetter read_dead_letter(const oa::StreamSettings& s,
                            const nats::StoredMessage& m,
                            const std::string& default_namespace) {
    DeadLetter d;
    openfaas::DeadLetterInfo& i = d.info;
    i.sequence = m.sequence;
    i.queue = oa::queue_of_subject(s, m.subject).value_or("");
    oa::DeadLetterHeaders h = oa::parse_dead_letter_headers(m.headers);
    i.reason = std::move(h.reason);
    i.dead_lettered_at = std::move(h.dead_lettered_at);
    i.attempts = h.attempts;
    i.status_code = h.status_code;
    auto request = openfaas::decode_queue_request(m.data, default_namespace);
    if (request) {
        d.request = std::move(request).value();
        i.call_id = d.request->call_id;
        i.function = d.request->function + "." + d.request->namespace_;
        i.enqueued_at = d.request->enqueued_at;
    } else {
        i.error = request.error().what();
    }
    return d;
}

bool matches(const DeadLetter& d, const DeadLetterFilter& f) {
    return (f.function.empty() || d.info.function == f.function) &&
           (f.queue.empty() || d.info.queue == f.queue);
}

// Blocking: the dead letters that pass `f`, in sequence order, at most f.limit.
Result<std::vector<DeadLetter>> scan_dead_letters(nats::JetStream& js,
                                                  const oa::StreamSettings& s,
                                                  const DeadLetterFilter& f,
                                                  const std::string& default_namespace) {
    std::vector<DeadLetter> out;
    std::vector<std::uint64_t> sequences = f.sequences;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    if (sequences.empty()) {
        auto state = js.stream_state(s.dead_letter_stream);
        if (!state) {
            if (state.error().code == errc::not_found) {
                return out;  // no dead letter was ever written
            }
            return state.error();
        }
        first = std::max(state->first_sequence, f.after + 1);
        last = state->last_sequence;
    }
    std::sort(sequences.begin(), sequences.end());
    std::size_t next = 0;
    for (std::uint64_t seq = first;;) {
        if (!f.sequences.empty()) {
            if (next == sequences.size()) {
                break;
            }
            seq = sequences[next++];
        } else if (seq == 0 || seq > last) {
            break;
        }
        auto m = js.get_message(s.dead_letter_stream, seq);
        if (!m) {
            if (m.error().code != errc::not_found) {
                return m.error();
            }
        } else if (m.value()) {
            DeadLetter d = read_dead_letter(s, *m.value(), default_namespace);
            if (matches(d, f)) {
                out.push_back(std::move(d));
                if (out.size() >= f.limit) {
                    break;
                }
            }
        }
        if (f.sequences.empty()) {
            ++seq;
        }
    }
    return out;
}

using Scan = Result<std::vector<DeadLetter>>;

awaitable<Scan> scan(ThreadState& ts, nats::JetStream* js, const DeadLetterFilter& f) {
    const oa::StreamSettings settings = ts.shared.config.streams;
    const std::string ns = ts.shared.config.function_namespace;
    std::function<Scan()> job = [js, settings, f, ns]() {
        return scan_dead_letters(*js, settings, f, ns);
    };
    auto reading = js->blocking<Scan>(std::move(job));
    co_return co_await std::move(reading);
}

}  // namespace

awaitable<void> handle_dead_letters(ThreadState& ts, http::Exchange& ex) {
    nats::JetStream* js = co_await connection_or_503(ts, ex);
    if (js == nullptr) {
        co_return;
    }
    const auto q = http::parse_query(ex.query());
    DeadLetterFilter f;
    f.function = http::query_value(q, "function");
    f.queue = http::query_value(q, "queue");
    if (!f.function.empty() && f.function.find('.') == std::string::npos) {
        f.function += "." + ts.shared.config.function_namespace;
    }
    for (const char* name : {"limit", "after"}) {
        const std::string v = http::query_value(q, name);
        if (v.empty()) {
            continue;
        }
        auto n = text::parse_uint(v);
        if (!n) {
            const std::string message =
                std::string(name) + ": expected a number, got \"" + v + "\"";
            co_await answer_error(ex, errc::bad_request, message);
            co_return;
        }
        if (std::string_view(name) == "limit") {
            f.limit = static_cast<std::size_t>(std::clamp<std::uint64_t>(*n, 1, kMaxListed));
        } else {
            f.after = *n;
        }
    }
    Scan found = co_await scan(ts, js, f);
    if (!found) {
        co_await read_failed(ts, ex, found.error());
        co_return;
    }
    std::vector<openfaas::DeadLetterInfo> list;
    list.reserve(found->size());
    for (auto& d : found.value()) {
        list.push_back(std::move(d.info));
    }
    std::string out = openfaas::to_json(list);
    co_await answer_json(ex, out);
}

// --- POST /system/async-dead-letters/redrive ---

namespace {

// {} (all), {"function":"fn.ns"}, {"sequences":[12,13]}; an empty body is {}.
Result<DeadLetterFilter> parse_redrive(std::string_view body, const std::string& default_ns) {
    DeadLetterFilter f;
    f.limit = kMaxRedriven;
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return f;
    }
    auto doc = json::parse(body);
    if (!doc) {
        return doc.error();
    }
    simdjson::dom::object obj;
    if (doc->root().get_object().get(obj) != simdjson::SUCCESS) {
        return make_error(errc::bad_request, "the body is not a JSON object");
    }
    simdjson::dom::element e;
    if (obj["function"].get(e) == simdjson::SUCCESS && !e.is_null()) {
        std::string_view fn;
        if (e.get(fn) != simdjson::SUCCESS) {
            return make_error(errc::bad_request, "\"function\" is not a string");
        }
        f.function = std::string(fn);
        if (!f.function.empty() && f.function.find('.') == std::string::npos) {
            f.function += "." + default_ns;
        }
    }
    if (obj["sequences"].get(e) == simdjson::SUCCESS && !e.is_null()) {
        simdjson::dom::array arr;
        if (e.get(arr) != simdjson::SUCCESS) {
            return make_error(errc::bad_request, "\"sequences\" is not an array");
        }
        for (auto item : arr) {
            std::uint64_t seq = 0;
            if (item.get(seq) != simdjson::SUCCESS || seq == 0) {
                return make_error(errc::bad_request,
                                  "\"sequences\" holds something that is not a sequence number");
            }
            f.sequences.push_back(seq);
        }
        if (f.sequences.empty()) {
            return make_error(errc::bad_request, "\"sequences\" is empty");
        }
    }
    return f;
}

struct Failure {
    std::uint64_t sequence = 0;
    std::string error;
};

// The dead letters to queue again, and the ones that cannot be (their body is not a request).
struct RedrivePlan {
    std::vector<Failure> failed;
    std::vector<Enqueue> calls;
    std::vector<const DeadLetter*> redriving;  // one per call, same order
};

RedrivePlan plan_redrive(const std::vector<DeadLetter>& found) {
    RedrivePlan plan;
    const std::string now = openfaas::rfc3339_now();
    for (const auto& d : found) {
        if (!d.request) {
            plan.failed.push_back({d.info.sequence, "not a queued request: " + d.info.error});
            continue;
        }
        Enqueue e;
        e.request = *d.request;
        e.request.attempt = 0;
        // A fresh start: the worker's max_event_age counts from here, not from the first try.
        e.request.enqueued_at = now;
        e.queue = d.info.queue.empty() ? oa::queue_or_default(e.request.queue) : d.info.queue;
        e.msg_id = "redrive-" + std::to_string(d.info.sequence);
        plan.calls.push_back(std::move(e));
        plan.redriving.push_back(&d);
    }
    return plan;
}

// The sequences queued again; the ones that could not be go to plan.failed.
std::vector<std::uint64_t> requeued_sequences(RedrivePlan& plan,
                                              const std::vector<Result<nats::PubAck>>& results) {
    std::vector<std::uint64_t> requeued;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i]) {
            requeued.push_back(plan.redriving[i]->info.sequence);
        } else {
            plan.failed.push_back({plan.redriving[i]->info.sequence,
                                   "Error queuing request: " + results[i].error().what()});
        }
    }
    return requeued;
}

using Deletes = std::vector<std::string>;  // "" or the error, per requeued sequence

// Deletes the dead letters that were queued again (one blocking job for all of them).
awaitable<Deletes> delete_dead_letters(nats::JetStream* js,
                                       std::string dl_stream,
                                       std::vector<std::uint64_t> requeued) {
    std::function<Deletes()> job = [js, dl_stream, requeued]() {
        Deletes errors;
        for (auto seq : requeued) {
            auto st = js->delete_message(dl_stream, seq);
            errors.push_back(st ? std::string() : st.error().what());
        }
        return errors;
    };
    auto deleting = js->blocking<Deletes>(std::move(job));
    Deletes deleted = co_await std::move(deleting);
    co_return deleted;
}

// The answer: {"redriven":[{sequence,callId}...],"failed":[{sequence,error}...]}, logged too.
std::string redrive_report(ThreadState& ts,
                           RedrivePlan& plan,
                           const std::vector<Result<nats::PubAck>>& results,
                           const Deletes& deleted) {
    json::Writer w;
    w.begin_object().key("redriven").begin_array();
    std::size_t r = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i]) {
            continue;
        }
        const DeadLetter& d = *plan.redriving[i];
        const std::string& error = deleted.at(r++);
        if (!error.empty()) {
            plan.failed.push_back(
                {d.info.sequence, "queued again as call " + d.request->call_id +
                                      " but the dead letter was not deleted: " + error});
            continue;
        }
        ts.shared.log->info("dead letter redriven seq={} call_id={} fn={} queue={}",
                            d.info.sequence, d.request->call_id, d.info.function, d.info.queue);
        w.begin_object().key("sequence").value(d.info.sequence);
        w.key("callId").value(d.request->call_id).end_object();
    }
    w.end_array().key("failed").begin_array();
    std::vector<Failure>& failed = plan.failed;
    std::sort(failed.begin(), failed.end(),
              [](const Failure& a, const Failure& b) { return a.sequence < b.sequence; });
    for (const auto& f : failed) {
        ts.shared.log->warn("dead letter not redriven seq={} error=\"{}\"", f.sequence, f.error);
        w.begin_object().key("sequence").value(f.sequence).key("error").value(f.error).end_object();
    }
    w.end_array().end_object();
    return std::move(w).str();
}

}  // namespace

awaitable<void> handle_redrive(ThreadState& ts, http::Exchange& ex) {
    nats::JetStream* js = co_await connection_or_503(ts, ex);
    if (js == nullptr) {
        co_return;
    }
    auto body = co_await ex.read_body(1U << 20U);
    if (!body) {
        const errc code =
            body.error().code == errc::body_too_large ? errc::body_too_large : errc::bad_request;
        const std::string message = "cannot read the request body: " + body.error().what();
        co_await answer_error(ex, code, message);
        co_return;
    }
    auto filter = parse_redrive(body.value(), ts.shared.config.function_namespace);
    if (!filter) {
        const std::string message = "redrive: " + filter.error().what();
        co_await answer_error(ex, errc::bad_request, message);
        co_return;
    }
    Scan found = co_await scan(ts, js, filter.value());
    if (!found) {
        co_await read_failed(ts, ex, found.error());
        co_return;
    }
    RedrivePlan plan = plan_redrive(found.value());
    std::vector<Result<nats::PubAck>> results;
    if (!plan.calls.empty()) {
        results = co_await ts.publisher.enqueue_all(*js, std::move(plan.calls));
    }
    std::vector<std::uint64_t> requeued = requeued_sequences(plan, results);
    std::string dl_stream = ts.shared.config.streams.dead_letter_stream;
    const Deletes deleted =
        co_await delete_dead_letters(js, std::move(dl_stream), std::move(requeued));
    std::string out = redrive_report(ts, plan, results, deleted);
    co_await answer_json(ex, out);
}

}  // namespace faas::gateway
