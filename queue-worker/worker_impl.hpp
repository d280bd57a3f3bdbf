#pragma once
// The queue-worker's state, shared by worker.cpp (lifecycle, queues, heartbeats, metrics
// server) and process.cpp (one message from fetch to ack). Everything here lives on the one io
// thread of `pool`; JetStream's blocking calls and fetches run on their own threads and resume
// us here.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "callbacks/deliverer.hpp"
#include "core/async/async_event.hpp"
#include "core/async/task_group.hpp"
#include "core/daemon/signals.hpp"
#include "core/http/client.hpp"
#include "core/http/io_pool.hpp"
#include "core/http/server.hpp"
#include "core/nats/jet_stream.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/queue_request.hpp"
#include "queue-worker/gate.hpp"
#include "queue-worker/metrics.hpp"
#include "queue-worker/worker.hpp"

namespace faas::queue_worker {

// One queue being consumed through its durable consumer.
struct Queue {
    Queue(std::string n, std::unique_ptr<nats::Consumer> c, const asio::any_io_executor& ex)
        : name(std::move(n)), consumer(std::move(c)), capacity(ex) {}
    std::string name;
    std::unique_ptr<nats::Consumer> consumer;
    int held = 0;            // messages of this queue held (reserved for a fetch included)
    bool last_empty = true;  // the last fetch got nothing: ask for one at a time
    bool fetch_failing = false;
    async::AsyncEvent capacity;  // notified when a held message is released
    // For check_fetch_loops(): when the running fetch began, the slots it reserved, when the
    // loop last went round, and whether a stall was reported.
    std::optional<std::chrono::steady_clock::time_point> fetch_since;
    int reserved = 0;
    std::chrono::steady_clock::time_point loop_at = std::chrono::steady_clock::now();
    bool stall_reported = false;
};

// One delivery of a queued call being worked on.
struct Call {
    // As decoded; moved into the gateway request when the function is called (what is needed
    // after that is in `status`; a dead letter decodes the message again).
    openfaas::QueueRequest request;
    std::string queue;
    std::string function;       // "name.namespace"
    std::uint64_t attempt = 0;  // Message::num_delivered()
    // The function's settings (its gate's) when the call was received.
    std::shared_ptr<const FunctionSettings> settings;
    std::chrono::steady_clock::time_point received;
    std::optional<std::chrono::system_clock::time_point> enqueued;
    // This delivery's status record, filled once when the call is received (call id, function,
    // queue, attempt, enqueue time, callback URL); each record written sets its state and the
    // fields of that state. A delivery writes `running` (when the function takes longer than
    // running_status_delay), then `retrying` or a final state.
    openfaas::CallStatus status;
    std::string status_subject;  // empty when the call has no id (then no records are written)

    const std::string& id() const noexcept { return status.call_id; }
};

// The `running` record of a call, written after Config::running_status_delay unless the
// function answered first (`done`). Shared by the call and its timer task, on the io thread.
struct RunningMark {
    explicit RunningMark(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    Call* call = nullptr;  // valid while !done
    bool done = false;
};

// Owns a call's RunningMark: settled (done, timer cancelled) when the function has answered, or
// at the latest when the call's frame goes, so the timer task never reads a call that is gone.
class RunningRecord {
public:
    explicit RunningRecord(std::shared_ptr<RunningMark> mark) : mark_(std::move(mark)) {}
    RunningRecord(const RunningRecord&) = delete;
    RunningRecord& operator=(const RunningRecord&) = delete;
    ~RunningRecord() { settle(); }
    void settle() {
        if (mark_) {
            mark_->done = true;
            mark_->timer.cancel();
            mark_.reset();
        }
    }

private:
    std::shared_ptr<RunningMark> mark_;
};

// One status record handed to NATS, its ack awaited by its own task (the call may be over
// before it is).
struct StatusWrite {
    nats::PendingPublish pending;
    std::string call_id;
    std::string function;
    openfaas::CallState state = openfaas::CallState::Running;
};

// How a call ended, for the callback, the status record and the dead letter. Every member has an
// initializer, so designated initializers may leave any out (-Wmissing-field-initializers).
struct Final {
    openfaas::CallState state = openfaas::CallState::Succeeded;
    bool expired = false;  // dead-lettered unstarted: older than its max age
    int status = 0;        // the function's last status; 0 when never reached
    std::string error{};
    http::Headers headers{};  // the function's response
    std::string body{};
    std::string dead_reason{};   // dead letters only
    std::uint64_t attempts = 0;  // calls made

    // The metric's outcome.
    CallOutcome outcome() const noexcept {
        if (expired) {
            return CallOutcome::Expired;
        }
        switch (state) {
            case openfaas::CallState::Succeeded:
                return CallOutcome::Succeeded;
            case openfaas::CallState::Failed:
                return CallOutcome::Failed;
            default:
                return CallOutcome::DeadLettered;
        }
    }
};

struct Worker::Impl {
    Impl(Config c, log::Logger l);

    // worker.cpp
    // Warns about a fetch loop that made no progress for a while, and about slots counted as
    // held that no message or fetch holds (either would leave a queue unread without an error).
    void check_fetch_loops();
    bool accounting_reported = false;
    int starting = 0;  // messages fetched whose handle() has not begun
    awaitable<void> discover_loop();
    awaitable<void> discover();
    // The queues to consume: those of the request stream's consumers (only the ones `queues`
    // names, when set) plus every queue `queues` names. Sets their depths when the read worked.
    std::set<std::string> queues_found(
        const Result<std::vector<nats::ConsumerState>>& consumers);
    // Binds the queue's durable consumer and starts its fetch loop, unless it runs already.
    awaitable<void> start_queue(const std::string& name);
    awaitable<void> fetch_loop(Queue* q);
    awaitable<void> heartbeat_loop();
    awaitable<void> shutdown_sequence();
    // The steps of Worker::run(); false (after logging why) when the worker cannot start.
    bool connect(const std::string& url);
    bool start_metrics_server();
    void start_loops();
    awaitable<void> sleep_unless_stopping(std::chrono::steady_clock::duration d);
    void release_slot(Queue& q);

    // process.cpp
    awaitable<void> handle(Queue* q, nats::Message msg);
    awaitable<void> process(Queue& q, nats::Message& msg);
    // The call a message holds; nullopt (the message terminated) when it does not decode.
    std::optional<Call> receive(Queue& q, nats::Message& msg);
    // The function's settings from the call's annotations (parsed again when they changed).
    void refresh_settings(Call& call, FunctionGate& gate);
    // Calls the function through the gateway within its concurrency limit, which the answer
    // then raises or lowers.
    awaitable<Result<http::Response>> call_function(Call& call, FunctionGate& gate);
    // Naks the message for a later attempt when the retry policy leaves one; false otherwise.
    bool retry_later(Call& call,
                     nats::Message& msg,
                     Result<http::Response>& answer,
                     const std::string& error);
    awaitable<void> finish(Call& call, nats::Message& msg, Final final);
    awaitable<bool> dead_letter(const Call& call, const nats::Message& msg, const Final& final);
    // Sets call.status.state (and updated_at) and hands the record to NATS now, so an ack or
    // nak sent after it reaches the server after it (one connection, in order); a task in
    // `statuses` waits for the stream's ack and logs and counts a failure. False when no record
    // is written (no call id, or the worker stopped).
    bool start_status(Call& call, openfaas::CallState state);
    awaitable<void> write_status(StatusWrite w);
    // Writes the call's `running` record now, or after running_status_delay unless the call's
    // mark is done by then; the returned mark is set done when the function has answered.
    std::shared_ptr<RunningMark> mark_running(Call& call);
    awaitable<void> running_later(std::shared_ptr<RunningMark> mark);
    FunctionGate& gate_of(const std::string& function);

    Config config;
    log::Logger log;
    http::IoPool pool{1};  // first: destroyed last, after everything that runs on it
    asio::any_io_executor ex;
    Metrics metrics;
    std::unique_ptr<nats::JetStream> js;
    std::map<std::string, std::unique_ptr<Queue>> queues;  // by durable consumer name
    std::unique_ptr<http::ClientPool> client;
    http::Endpoint gateway;  // where every call goes
    http::CallOptions call_options;
    std::unique_ptr<callbacks::Deliverer> deliverer;
    std::unordered_map<std::string, std::unique_ptr<FunctionGate>> gates;
    // Messages held now: each gets an in-progress heartbeat every ack_wait / 3.
    std::unordered_set<nats::Message*> held;
    int held_total = 0;  // across queues, reservations for fetches in progress included
    std::mt19937_64 rng{std::random_device{}()};
    async::TaskGroup loops;            // discovery and fetch loops
    async::TaskGroup calls;            // one task per held message
    async::TaskGroup statuses;         // status records being written
    async::AsyncEvent stop_event;      // SIGTERM: stop fetching and discovering
    async::AsyncEvent heartbeat_stop;  // after the drain
    bool stopping = false;
    bool heartbeat_done = false;
    std::unique_ptr<http::Server> metrics_server;
    std::optional<daemon::StopSignals> signals;
};

}  // namespace faas::queue_worker
