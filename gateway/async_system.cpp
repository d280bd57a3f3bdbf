// The async /system routes (docs/async.md): GET /system/queues here, and what every async
// /system route shares; a call's status record is in async_calls.cpp, the dead letters in
// async_dead_letters.cpp. Every JetStream read is a blocking API request, run on the
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

namespace oa = openfaas::async;

awaitable<nats::JetStream*> connection_or_503(ThreadState& ts, http::Exchange& ex) {
    std::string why;
    nats::JetStream* js = ts.shared.queue->ready(why);
    if (js == nullptr) {
        http::Response res = unavailable_response(why);
        co_await answer(ex, std::move(res));
    }
    co_return js;
}

awaitable<void> read_failed(ThreadState& ts, http::Exchange& ex, const Error& e) {
    ts.shared.log->warn("jetstream read failed path={} error=\"{}\"", ex.path(), e.what());
    const errc code = e.code == errc::timeout || e.code == errc::unavailable
                          ? errc::unavailable
                          : errc::upstream_failed;
    const std::string message = "reading from NATS failed: " + e.what();
    co_await answer_error(ex, code, message);
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
    nats::JetStream* js = co_await connection_or_503(ts, ex);
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
    co_await answer_json(ex, out);
}

}  // namespace faas::gateway
