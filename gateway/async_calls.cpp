// GET /system/async-calls/<call-id> (docs/async.md): a call's state from its last status record
// and its request message, read on the JetStream's blocking pool, never on an I/O thread.
#include <functional>
#include <optional>

#include "core/openfaas/async.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/types.hpp"
#include "gateway/async.hpp"
#include "gateway/async_queue.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

namespace oa = openfaas::async;

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
Result<CallRead> read_call(nats::JetStream& js,
                           const oa::StreamSettings& s,
                           const std::string& id) {
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
    nats::JetStream* js = co_await connection_or_503(ts, ex);
    if (js == nullptr) {
        co_return;
    }
    auto id =
        http::percent_decode(ex.path().substr(std::string_view("/system/async-calls/").size()));
    if (!id || id->empty()) {
        const std::string message = "malformed call id";
        co_await answer_error(ex, errc::bad_request, message);
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
        const std::string message = "no such call";
        co_await answer_error(ex, errc::not_found, message);
        co_return;
    }
    // Each record of a call is written after the request it describes was stored, so a request
    // stored after the last record is a call queued (again) since: a redrive, or a resubmission
    // once the duplicate window has passed.
    const bool queued = read.request && (!read.record || read.request->time > read.record->time);
    Result<openfaas::CallStatus> status =
        queued ? queued_status(streams, *read.request, ts.shared.config.function_namespace)
               : std::move(*read.record_status);
    if (!status) {
        const std::string message =
            std::string(queued ? "the queued request of " : "the status record of ") + *id +
            " is not valid: " + status.error().what();
        co_await answer_error(ex, errc::upstream_failed, message);
        co_return;
    }
    std::string out = openfaas::to_json(status.value());
    co_await answer_json(ex, out);
}

}  // namespace faas::gateway
