// One message from fetch to ack: decode, expiry and attempt checks, the function's limits, the
// call through the gateway, then retry (nak with delay), or the final outcome: dead letter,
// callback, status record, ack. The ack comes last, so a crash at any earlier point redelivers.
#include <algorithm>

#include "core/openfaas/async.hpp"
#include "core/openfaas/types.hpp"
#include "queue-worker/call.hpp"
#include "queue-worker/worker_impl.hpp"

namespace faas::queue_worker {

namespace async_names = openfaas::async;
using openfaas::CallState;
using std::chrono::milliseconds;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

FunctionGate& Worker::Impl::gate_of(const std::string& function) {
    auto& gate = gates[function];
    if (!gate) {
        gate = std::make_unique<FunctionGate>(ex, config.max_inflight);
    }
    return *gate;
}

bool Worker::Impl::start_status(Call& call, CallState state) {
    if (call.status_subject.empty()) {
        return false;  // a message queued without a call id has no status record
    }
    if (statuses.closed()) {
        // Only after the drain, when no call runs any more; counted like a failed write.
        metrics.status_failures.Increment();
        log->warn("status_write_failed call_id={} fn={} status={} error=\"worker stopped\"",
                  call.id(), call.function, openfaas::state_name(state));
        return false;
    }
    call.status.state = state;
    call.status.updated_at = openfaas::rfc3339_now();
    nats::Headers headers;
    const std::string status_json = openfaas::to_json(call.status);
    StatusWrite w{js->start_publish(ex, call.status_subject, headers, status_json), call.id(),
                  call.function, state};
    (void)statuses.spawn(write_status(std::move(w)), [this](std::exception_ptr e) {
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& err) {
            metrics.status_failures.Increment();
            log->error("status_task_failed error=\"{}\"", err.what());
        }
    });
    return true;
}

awaitable<void> Worker::Impl::write_status(StatusWrite w) {
    auto waiting = w.pending.wait();
    auto acked = co_await std::move(waiting);
    if (!acked) {
        metrics.status_failures.Increment();
        log->warn("status_write_failed call_id={} fn={} status={} error=\"{}\"", w.call_id,
                  w.function, openfaas::state_name(w.state), acked.error().what());
    }
}

std::shared_ptr<RunningMark> Worker::Impl::mark_running(Call& call) {
    auto mark = std::make_shared<RunningMark>(ex);
    if (config.running_status_delay.count() == 0) {
        mark->done = true;
        start_status(call, CallState::Running);
        return mark;
    }
    mark->call = &call;
    mark->timer.expires_after(config.running_status_delay);
    (void)statuses.spawn(running_later(mark), [this](std::exception_ptr e) {
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& err) {
            log->error("status_task_failed error=\"{}\"", err.what());
        }
    });
    return mark;
}

awaitable<void> Worker::Impl::running_later(std::shared_ptr<RunningMark> mark) {
    boost::system::error_code ec;
    co_await mark->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (!mark->done) {
        start_status(*mark->call, CallState::Running);
    }
}

awaitable<bool> Worker::Impl::dead_letter(const Call& call,
                                          const nats::Message& msg,
                                          const Final& final) {
    // The call's own copy of the request gave its body to the gateway request: decode the message
    // again (it decoded before, so it does again).
    auto decoded = openfaas::decode_queue_request(msg.data(), openfaas::kDefaultNamespace);
    if (!decoded) {
        log->error("dead_letter_failed call_id={} fn={} error=\"{}\"", call.id(), call.function,
                   decoded.error().what());
        co_return false;
    }
    openfaas::QueueRequest dead = std::move(decoded).value();
    dead.attempt = static_cast<std::uint32_t>(final.attempts);
    async_names::DeadLetterHeaders meta;
    meta.reason = final.dead_reason;
    meta.status_code = final.status;
    meta.attempts = final.attempts;
    meta.dead_lettered_at = openfaas::rfc3339_now();
    nats::Headers headers = async_names::dead_letter_headers(meta);
    // A worker killed between this publish and the ack redelivers the message; the duplicate
    // window then keeps one dead letter.
    headers.push_back(
        {std::string(nats::kMsgIdHeader),
         "dead-" + std::to_string(msg.stream_sequence()) + "-" + call.id()});
    std::string subject = async_names::dead_letter_subject(config.streams, call.queue);
    std::string body = openfaas::encode(dead);
    auto publishing = js->publish(std::move(subject), std::move(headers), std::move(body));
    auto acked = co_await std::move(publishing);
    if (!acked) {
        log->error("dead_letter_failed call_id={} fn={} reason=\"{}\" error=\"{}\"", call.id(),
                   call.function, final.dead_reason, acked.error().what());
        co_return false;
    }
    metrics.dead_letter(call.function);
    log->warn("dead_lettered call_id={} fn={} queue={} reason=\"{}\" status={} attempts={}",
              call.id(), call.function, call.queue, final.dead_reason, final.status,
              final.attempts);
    co_return true;
}

awaitable<void> Worker::Impl::finish(Call& call, nats::Message& msg, Final final) {
    if (final.state == CallState::DeadLettered) {
        const bool stored = co_await dead_letter(call, msg, final);
        if (!stored) {
            // Not acknowledged: JetStream redelivers it after the delay and we try again.
            (void)msg.nak(call.settings->retry.initial_delay);
            co_return;
        }
    }
    int callback_status = 0;
    if (!call.status.callback_url.empty()) {
        callbacks::CallResult result;
        result.call_id = call.id();
        result.function = call.function;
        result.status = final.status != 0 ? final.status : 503;
        result.duration = std::chrono::steady_clock::now() - call.received;
        result.headers = std::move(final.headers);
        result.body = std::move(final.body);
        std::string url = call.status.callback_url;
        auto delivering = deliverer->deliver(std::move(url), std::move(result));
        const callbacks::Delivery delivery = co_await std::move(delivering);
        metrics.callback(callbacks::result_name(delivery.result));
        callback_status = delivery.status;
        if (delivery.result == callbacks::DeliveryResult::Delivered) {
            log->debug("callback_delivered call_id={} fn={} status={} attempts={}", call.id(),
                       call.function, delivery.status, delivery.attempts);
        } else {
            log->warn("callback_{} call_id={} fn={} status={} attempts={} error=\"{}\"",
                      callbacks::result_name(delivery.result), call.id(), call.function,
                      delivery.status, delivery.attempts, delivery.error);
        }
    }
    call.status.status_code = final.status;
    call.status.error = final.error;
    call.status.callback_status = callback_status;
    // The final record is not awaited (its ack from the stream takes a round trip while the call
    // holds a max_inflight slot), but start_status hands it to NATS before the ack below: both go
    // out on the one connection in that order, so the server receives the record before the ack.
    // A worker killed after the ack was sent therefore cannot lose the record; killed before, the
    // message is redelivered and the call done again. (A publish the stream refuses is logged
    // and counted by its task, as an awaited one was.)
    (void)start_status(call, final.state);
    if (auto ok = msg.ack(); !ok) {
        log->warn("ack_failed call_id={} fn={} error=\"{}\"", call.id(), call.function,
                  ok.error().what());
    }
    const double latency =
        call.enqueued
            ? std::chrono::duration<double>(std::chrono::system_clock::now() - *call.enqueued)
                  .count()
            : -1.0;
    metrics.call(call.function, final.outcome(), latency);
    log->debug("call_done call_id={} fn={} queue={} outcome={} status={} attempt={} dur_ms={}",
               call.id(), call.function, call.queue, outcome_name(final.outcome()), final.status,
               call.attempt, static_cast<long>(seconds_since(call.received) * 1000));
}

awaitable<void> Worker::Impl::handle(Queue* q, nats::Message msg) {
    held.insert(&msg);
    --starting;
    metrics.inflight.Increment();
    bool failed = false;
    try {
        co_await process(*q, msg);
    } catch (const std::exception& e) {
        failed = true;
        log->error("call_failed_unexpectedly queue={} seq={} error=\"{}\"", q->name,
                   msg.stream_sequence(), e.what());
    }
    if (failed) {
        (void)msg.nak(milliseconds(1000));
    }
    held.erase(&msg);
    metrics.inflight.Decrement();
    release_slot(*q);
}

std::optional<Call> Worker::Impl::receive(Queue& q, nats::Message& msg) {
    Call call;
    call.received = std::chrono::steady_clock::now();
    auto decoded = openfaas::decode_queue_request(msg.data(), openfaas::kDefaultNamespace);
    if (!decoded) {
        metrics.bad_messages.Increment();
        log->error("bad_message call_id= queue={} seq={} error=\"{}\"", q.name,
                   msg.stream_sequence(), decoded.error().what());
        (void)msg.term();
        return std::nullopt;
    }
    call.request = std::move(decoded).value();
    call.queue = q.name;
    call.function = call.request.function + "." + call.request.namespace_;
    call.attempt = msg.num_delivered();
    call.status.call_id = call.request.call_id;
    call.status.function = call.function;
    call.status.queue = call.queue;
    call.status.attempt = static_cast<std::uint32_t>(call.attempt);
    call.status.enqueued_at = call.request.enqueued_at;
    call.status.callback_url = call.request.callback_url;
    if (!call.request.call_id.empty()) {
        call.status_subject = async_names::status_subject(config.streams, call.request.call_id);
    }
    return call;
}

void Worker::Impl::refresh_settings(Call& call, FunctionGate& gate) {
    if (!gate.same_annotations(call.request.annotations)) {
        // First call of the function, or its annotations changed (a redeploy): parse them again,
        // so a bad value is warned about once per change, not on every call.
        auto parsed = function_settings(call.request.annotations, config.defaults);
        for (const auto& w : parsed.warnings) {
            log->warn("bad_annotation call_id={} fn={} {} (default used)", call.id(), call.function,
                      w);
        }
        if (gate.update(call.request.annotations, std::move(parsed.settings))) {
            log->info("concurrency fn={} limit={}", call.function, gate.limit());
        }
    }
    call.settings = gate.settings();
    call.enqueued = openfaas::parse_rfc3339(call.request.enqueued_at);
}

namespace {

// How a call ends without being made: too old, or delivered again after its last attempt.
std::optional<Final> refusal(const Call& call) {
    if (call.enqueued &&
        std::chrono::system_clock::now() - *call.enqueued > call.settings->max_age) {
        return Final{.state = CallState::DeadLettered,
                     .expired = true,
                     .error = "expired before it was called",
                     .dead_reason = "expired",
                     .attempts = call.attempt - 1};
    }
    const auto max_attempts = static_cast<std::uint64_t>(call.settings->retry.max_attempts);
    if (call.attempt > max_attempts) {
        // Delivered again after the last attempt (a worker died during it).
        return Final{.state = CallState::DeadLettered,
                     .error = "delivered " + std::to_string(call.attempt) + " times",
                     .dead_reason = "attempts exhausted (redelivered after the last attempt)",
                     .attempts = max_attempts};
    }
    return std::nullopt;
}

// The final outcome of the call's last answer (or error).
Final final_of(Outcome outcome,
               int status,
               std::string error,
               std::uint64_t attempts,
               Result<http::Response>& answer) {
    Final final;
    final.status = status;
    final.error = std::move(error);
    final.attempts = attempts;
    if (answer) {
        final.headers = std::move(answer->headers);
        final.body = std::move(answer->body);
    }
    if (outcome == Outcome::Succeeded) {
        final.state = CallState::Succeeded;
    } else if (outcome == Outcome::Failed) {
        final.state = CallState::Failed;
    } else {
        final.state = CallState::DeadLettered;
        final.dead_reason = "retries exhausted: " + final.error;
    }
    return final;
}

}  // namespace

awaitable<Result<http::Response>> Worker::Impl::call_function(Call& call, FunctionGate& gate) {
    co_await gate.acquire();
    // Not awaited: the record is on its way while the function runs, and any later record of
    // this call is handed to the same connection after it, so it cannot overtake it.
    RunningRecord running(mark_running(call));
    http::Endpoint endpoint = gateway;
    // The last use of call.request: its body moves into the gateway request.
    http::Request req = function_request(std::move(call.request), call.attempt);
    log->debug("call_start call_id={} fn={} attempt={}", call.id(), call.function, call.attempt);
    auto sending = client->request(std::move(endpoint), std::move(req), call_options);
    auto answer = co_await std::move(sending);
    gate.release();
    running.settle();  // a later record of this call replaces `running`
    const int status = answer ? answer->status : 0;
    if (status == 429) {
        if (gate.on_overload()) {
            log->info("aimd_decrease call_id={} fn={} limit={}", call.id(), call.function,
                      gate.limit());
        }
    } else if (status >= 200 && status < 300) {
        if (gate.on_success()) {
            log->info("aimd_increase call_id={} fn={} limit={}", call.id(), call.function,
                      gate.limit());
        }
    }
    co_return answer;
}

bool Worker::Impl::retry_later(Call& call,
                               nats::Message& msg,
                               Result<http::Response>& answer,
                               const std::string& error) {
    const int status = answer ? answer->status : 0;
    std::optional<milliseconds> retry_after;
    if (answer) {
        if (auto h = answer->headers.get("Retry-After")) {
            retry_after = parse_retry_after(*h, std::chrono::system_clock::now());
        }
    }
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const auto delay = retry_delay(call.settings->retry, static_cast<int>(call.attempt),
                                   uniform(rng), retry_after);
    if (!delay) {
        return false;
    }
    call.status.status_code = status;
    call.status.error = error;
    call.status.next_attempt_at = openfaas::rfc3339(std::chrono::system_clock::now() + *delay);
    // As the final record: handed to NATS before the nak (see finish()).
    (void)start_status(call, CallState::Retrying);
    metrics.retry(call.function);
    log->info("retrying call_id={} fn={} attempt={} status={} delay_ms={} error=\"{}\"",
              call.id(), call.function, call.attempt, status, delay->count(), error);
    if (auto ok = msg.nak(*delay); !ok) {
        log->warn("nak_failed call_id={} fn={} error=\"{}\"", call.id(), call.function,
                  ok.error().what());
    }
    return true;
}

awaitable<void> Worker::Impl::process(Queue& q, nats::Message& msg) {
    std::optional<Call> received = receive(q, msg);
    if (!received) {
        co_return;
    }
    Call& call = *received;
    FunctionGate& gate = gate_of(call.function);
    refresh_settings(call, gate);
    if (std::optional<Final> refused = refusal(call)) {
        co_await finish(call, msg, std::move(*refused));
        co_return;
    }
    Result<http::Response> answer = co_await call_function(call, gate);
    const int status = answer ? answer->status : 0;
    const Outcome outcome = answer ? classify_status(status, call.settings->retry_codes)
                                   : classify_error(answer.error().code);
    std::string error =
        answer ? (outcome == Outcome::Succeeded ? std::string()
                                                : "function answered " + std::to_string(status))
               : answer.error().what();
    if (outcome == Outcome::Retry && retry_later(call, msg, answer, error)) {
        co_return;
    }
    Final final = final_of(outcome, status, std::move(error), call.attempt, answer);
    co_await finish(call, msg, std::move(final));
}

}  // namespace faas::queue_worker
