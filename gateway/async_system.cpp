// The async /system routes (docs/async.md): a call's status record, the queues, and the dead
// letters (listed and redriven). Every JetStream read is a blocking API request, run on the
// JetStream's blocking pool (JetStream::blocking), never on an I/O thread.
#include <algorithm>
#include <functional>
#include <map>

#include "core/json/json.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/async_api.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"
#include "gateway/async.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

namespace {

namespace oa = openfaas::async;

// Dead letters listed or redriven by one request at most.
constexpr std::size_t kMaxListed = 1000;
constexpr std::size_t kMaxRedriven = 10000;

awaitable<void> fail(http::Exchange& ex, int status, const std::string& message) {
    http::Response res = http::text_error(status, message);
    co_await answer(ex, std::move(res));
}

awaitable<void> reply_json(http::Exchange& ex, std::string& body) {
    http::Response res;
    res.headers.set("Content-Type", "application/json");
    res.body = std::move(body);
    co_await answer(ex, std::move(res));
}

// The connection, or nullptr after answering 503.
awaitable<nats::JetStream*> connection(ThreadState& ts, http::Exchange& ex) {
    std::string why;
    nats::JetStream* js = ts.shared.queue->ready(why);
    if (js == nullptr) {
        http::Response res = unavailable_response(why);
        co_await answer(ex, std::move(res));
    }
    co_return js;
}

// A failed JetStream read: 503 while NATS is unreachable or slow, else 502.
awaitable<void> read_failed(ThreadState& ts, http::Exchange& ex, const Error& e) {
    ts.shared.log->warn("jetstream read failed path={} error=\"{}\"", ex.path(), e.what());
    const int status = e.code == errc::timeout || e.code == errc::unavailable ? 503 : 502;
    co_await fail(ex, status, "reading from NATS failed: " + e.what());
}

}  // namespace

// --- GET /system/async-calls/<call-id> ---

namespace {

// What the streams hold for one call: its last status record (as stored and as parsed) and its
// request, when queued.
struct CallRead {
    std::optional<nats::StoredMessage> record;
    std::optional<Result<openfaas::CallStatus>> record_status;  // set with `record`
    std::optional<nats::StoredMessage> request;
};

// Blocking. The record first, then the request. With a record the request is looked up on its
// queue's subject (an index lookup in nats-server); without one on "faas-request.*.<id>", which
// nats-server answers by scanning the stream from its end. A call that finished in between has
// no request any more, so the record is read once more when neither was there.
Result<CallRead> read_call(nats::JetStream& js, const oa::StreamSettings& s, const std::string& id) {
    const std::string status_stream = oa::status_stream_spec(s).name;
    const std::string record_subject = oa::status_subject(s, id);
    CallRead out;
    auto record = js.last_message(status_stream, record_subject);
    if (!record) {
        return record.error();
    }
    out.record = std::move(record).value();
    std::string request_subject = oa::call_request_filter(s, id);
    if (out.record) {
        out.record_status = openfaas::parse_call_status(out.record->data);
        auto& parsed = *out.record_status;
        if (parsed && oa::check_queue_name(parsed->queue)) {
            request_subject = oa::request_subject(s, parsed->queue, id);
        }
    }
    auto request = js.last_message(s.request_stream, request_subject);
    if (!request) {
        return request.error();
    }
    out.request = std::move(request).value();
    if (!out.record && !out.request) {
        auto again = js.last_message(status_stream, record_subject);
        if (!again) {
            return again.error();
        }
        out.record = std::move(again).value();
        if (out.record) {
            out.record_status = openfaas::parse_call_status(out.record->data);
        }
    }
    return out;
}

// The status of a call whose request waits in the stream.
Result<openfaas::CallStatus> queued_status(const oa::StreamSettings& s,
                                           const nats::StoredMessage& m,
                                           const std::string& default_namespace) {
    auto request = openfaas::decode_queue_request(m.data, default_namespace);
    if (!request) {
        return request.error();
    }
    openfaas::CallStatus st;
    st.call_id = request->call_id;
    st.function = request->function + "." + request->namespace_;
    auto queue = oa::parse_request_subject(s, m.subject);
    st.queue = queue ? *queue : oa::queue_or_default(request->queue);
    st.state = openfaas::CallState::Queued;
    st.enqueued_at = request->enqueued_at;
    st.updated_at = request->enqueued_at;
    st.callback_url = request->callback_url;
    return st;
}

}  // namespace

awaitable<void> handle_async_call(ThreadState& ts, http::Exchange& ex) {
    nats::JetStream* js = co_await connection(ts, ex);
    if (js == nullptr) {
        co_return;
    }
    auto id =
        http::percent_decode(ex.path().substr(std::string_view("/system/async-calls/").size()));
    if (!id || id->empty()) {
        co_await fail(ex, 400, "malformed call id");
        co_return;
    }
    const oa::StreamSettings streams = ts.shared.config.streams;
    std::string call_id = *id;
    std::function<Result<CallRead>()> job = [js, streams, call_id]() {
        return read_call(*js, streams, call_id);
    };
    auto reading = js->blocking<Result<CallRead>>(std::move(job));
    Result<CallRead> r = co_await std::move(reading);
    if (!r) {
        co_await read_failed(ts, ex, r.error());
        co_return;
    }
    CallRead& read = r.value();
    if (!read.record && !read.request) {
        co_await fail(ex, 404, "no such call");
        co_return;
    }
    // Each record of a call is written after the request it describes was stored, so a request
    // stored after the last record is a call queued (again) since: a redrive, or a resubmission
    // once the duplicate window has passed.
    const bool queued =
        read.request && (!read.record || read.request->time > read.record->time);
    Result<openfaas::CallStatus> status =
        queued ? queued_status(streams, *read.request, ts.shared.config.function_namespace)
               : std::move(*read.record_status);
    if (!status) {
        co_await fail(ex, 502,
                      std::string(queued ? "the queued request of " : "the status record of ") +
                          *id + " is not valid: " + status.error().what());
        co_return;
    }
    std::string out = openfaas::to_json(status.value());
    co_await reply_json(ex, out);
}

// --- GET /system/queues ---

namespace {

using QueueRows = std::map<std::string, openfaas::QueueInfo>;

// Blocking: the request stream's consumers (each queue's counts), the dead-letter stream's
// subjects.
Result<QueueRows> read_queues(nats::JetStream& js, const oa::StreamSettings& s) {
    QueueRows rows;
    auto consumers = js.consumers(s.request_stream);
    if (!consumers) {
        return consumers.error();
    }
    for (const auto& c : *consumers) {
        auto q = oa::parse_request_subject(s, c.filter_subject);
        if (!q) {
            continue;  // not one queue's consumer (e.g. a tool reading "faas-request.>")
        }
        openfaas::QueueInfo& row = rows[*q];
        row.consumers += 1;
        // A WorkQueue stream keeps a message until it is acknowledged.
        row.messages += c.pending + c.ack_pending;
        row.pending += c.pending;
        row.in_flight += c.ack_pending;
    }
    auto dead = js.stream_state(s.dead_letter_stream, s.dead_letter_stream + ".>");
    if (!dead && dead.error().code != errc::not_found) {
        return dead.error();
    }
    if (dead) {
        for (const auto& [subject, count] : dead->subjects) {
            if (auto q = oa::queue_of_subject(s, subject)) {
                rows[*q].dead_letters += count;
            }
        }
    }
    return rows;
}

}  // namespace

awaitable<void> handle_queues(ThreadState& ts, http::Exchange& ex) {
    nats::JetStream* js = co_await connection(ts, ex);
    if (js == nullptr) {
        co_return;
    }
    const oa::StreamSettings settings = ts.shared.config.streams;
    std::function<Result<QueueRows>()> job = [js, settings]() {
        return read_queues(*js, settings);
    };
    auto reading = js->blocking<Result<QueueRows>>(std::move(job));
    Result<QueueRows> rows = co_await std::move(reading);
    if (!rows) {
        co_await read_failed(ts, ex, rows.error());
        co_return;
    }
    std::vector<openfaas::QueueInfo> list;
    list.reserve(rows->size());
    for (auto& [name, row] : rows.value()) {
        row.name = name;
        row.subject = oa::request_filter(settings, name);
        list.push_back(std::move(row));
    }
    std::string out = openfaas::to_json(list);
    co_await reply_json(ex, out);
}

// --- dead letters ---

namespace {

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
    nats::JetStream* js = co_await connection(ts, ex);
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
            co_await fail(ex, 400, std::string(name) + ": expected a number, got \"" + v + "\"");
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
    co_await reply_json(ex, out);
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

}  // namespace

awaitable<void> handle_redrive(ThreadState& ts, http::Exchange& ex) {
    nats::JetStream* js = co_await connection(ts, ex);
    if (js == nullptr) {
        co_return;
    }
    auto body = co_await ex.read_body(1U << 20U);
    if (!body) {
        const int status = body.error().code == errc::body_too_large ? 413 : 400;
        co_await fail(ex, status, "cannot read the request body: " + body.error().what());
        co_return;
    }
    auto filter = parse_redrive(body.value(), ts.shared.config.function_namespace);
    if (!filter) {
        co_await fail(ex, 400, "redrive: " + filter.error().what());
        co_return;
    }
    Scan found = co_await scan(ts, js, filter.value());
    if (!found) {
        co_await read_failed(ts, ex, found.error());
        co_return;
    }
    struct Failure {
        std::uint64_t sequence = 0;
        std::string error;
    };
    std::vector<Failure> failed;
    std::vector<Enqueue> calls;
    std::vector<const DeadLetter*> redriving;
    const std::string now = openfaas::rfc3339_now();
    for (const auto& d : found.value()) {
        if (!d.request) {
            failed.push_back({d.info.sequence, "not a queued request: " + d.info.error});
            continue;
        }
        Enqueue e;
        e.request = *d.request;
        e.request.attempt = 0;
        // A fresh start: the worker's max_event_age counts from here, not from the first try.
        e.request.enqueued_at = now;
        e.queue = d.info.queue.empty() ? oa::queue_or_default(e.request.queue) : d.info.queue;
        e.msg_id = "redrive-" + std::to_string(d.info.sequence);
        calls.push_back(std::move(e));
        redriving.push_back(&d);
    }
    std::vector<Result<nats::PubAck>> results;
    if (!calls.empty()) {
        results = co_await enqueue_all(ts, *js, std::move(calls));
    }
    // Delete the dead letters that were queued again (one blocking job for all of them).
    std::vector<std::uint64_t> requeued;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i]) {
            requeued.push_back(redriving[i]->info.sequence);
        } else {
            failed.push_back({redriving[i]->info.sequence,
                              "Error queuing request: " + results[i].error().what()});
        }
    }
    const std::string dl_stream = ts.shared.config.streams.dead_letter_stream;
    using Deletes = std::vector<std::string>;  // "" or the error, per requeued sequence
    std::function<Deletes()> job = [js, dl_stream, requeued]() {
        Deletes errors;
        for (auto seq : requeued) {
            auto st = js->delete_message(dl_stream, seq);
            errors.push_back(st ? std::string() : st.error().what());
        }
        return errors;
    };
    auto deleting = js->blocking<Deletes>(std::move(job));
    const Deletes deleted = co_await std::move(deleting);
    json::Writer w;
    w.begin_object().key("redriven").begin_array();
    std::size_t r = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i]) {
            continue;
        }
        const DeadLetter& d = *redriving[i];
        const std::string& error = deleted.at(r++);
        if (!error.empty()) {
            failed.push_back(
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
    std::sort(failed.begin(), failed.end(),
              [](const Failure& a, const Failure& b) { return a.sequence < b.sequence; });
    for (const auto& f : failed) {
        ts.shared.log->warn("dead letter not redriven seq={} error=\"{}\"", f.sequence, f.error);
        w.begin_object().key("sequence").value(f.sequence).key("error").value(f.error).end_object();
    }
    w.end_array().end_object();
    std::string out = std::move(w).str();
    co_await reply_json(ex, out);
}

}  // namespace faas::gateway
