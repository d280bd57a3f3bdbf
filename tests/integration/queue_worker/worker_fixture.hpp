#pragma once
// WorkerFixture: the real queue-worker (FAAS_BIN_DIR/queue-worker) against the real nats-server,
// with an in-test "gateway" answering /function/<fn.ns>/... as each test scripts it (and
// recording every call and how many ran at once), and an in-test callback receiver. Calls are
// queued as the gateway queues them: openfaas::encode(QueueRequest) on
// faas-request.<queue>.<call id>, after the gateway's ensure of the queue's consumer.
// One test thread; the servers' handlers run on their own threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/http/types.hpp"
#include "core/nats/jet_stream.hpp"
#include "core/openfaas/async.hpp"
#include "core/openfaas/call_status.hpp"
#include "core/openfaas/queue_request.hpp"
#include "tests/support/nats_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/callback_receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

namespace faas::test {

inline constexpr const char* kCallbackSecret = "callback-secret";

// What the scripted function answers to its n-th call (1-based).
struct Reply {
    int status = 200;
    std::string body = "ok";
    http::Headers headers;
    std::chrono::milliseconds delay{0};
};
using Script = std::function<Reply(int n)>;

// A request one of the in-test servers received.
using Seen = SeenRequest;

// The gateway stand-in: POST /function/<fn.ns>[/path][?query].
class FakeGateway {
public:
    FakeGateway();
    std::uint16_t port() const noexcept { return server_->port(); }
    // How `fn` ("name.namespace") answers; unscripted functions answer 200 "ok".
    void script(const std::string& fn, Script s);
    std::vector<Seen> calls(const std::string& fn);
    std::size_t count(const std::string& fn);
    // The most calls of `fn` the server was running at one moment.
    int max_running(const std::string& fn);

private:
    awaitable<void> serve(http::Exchange& ex);
    struct Function {
        Script script;
        std::vector<Seen> calls;
        int running = 0;
        int max_running = 0;
    };
    std::mutex mu_;
    std::map<std::string, Function> functions_;
    std::unique_ptr<TestServer> server_;
};

// The callback receiver: answers 200 to every POST and keeps it (kept when it arrives, answered
// after the delay set, if any).
using Receiver = CallbackReceiver;

// A queued call as a test builds it.
struct Enqueue {
    std::string function = "fn";
    std::string namespace_ = "openfaas-fn";
    std::string queue;  // "" = default
    std::string path;
    std::string query;
    std::string body = "payload";
    http::Headers headers;
    std::map<std::string, std::string> annotations;
    bool callback = true;
    std::string enqueued_at;  // "" = now
};

class WorkerFixture {
public:
    // Starts nats-server, the in-test servers and the worker with `env` over the defaults
    // (metrics_port=0, callback_allow_hosts=127.0.0.1, the callback secret, 20 ms retry waits).
    explicit WorkerFixture(EnvMap env = {});
    ~WorkerFixture();

    NatsServer nats;
    FakeGateway gateway;
    Receiver receiver;
    openfaas::async::StreamSettings streams;

    void start_worker();
    Process& worker() { return *worker_; }
    void kill_worker();  // SIGKILL, reaped
    std::string worker_log() const;
    std::uint16_t metrics_port() const noexcept { return metrics_port_; }
    std::string metrics();

    // Queues a call; returns its call id.
    std::string enqueue(const Enqueue& e);
    // Queues many calls at once (all publishes in flight together); returns their call ids.
    std::vector<std::string> enqueue_many(const Enqueue& e, int n);
    // Publishes `data` as it is on the queue's subject (a message no gateway would write).
    void publish_raw(const std::string& queue, std::string data);

    std::optional<openfaas::CallStatus> status(const std::string& call_id);
    // Waits until the call's status record says `state`; fails the check with the last record.
    bool wait_status(const std::string& call_id,
                     openfaas::CallState state,
                     std::chrono::nanoseconds bound = kMaxWait);
    // Every message of the dead-letter stream, in order.
    std::vector<nats::StoredMessage> dead_letters();
    // Messages stored in the request stream now.
    std::uint64_t queued();

private:
    openfaas::QueueRequest request_of(const Enqueue& e) const;
    // Makes the queue's consumer as the gateway does, then publishes every (call id, body) on
    // its call's subject at once; how many the stream acknowledged.
    int publish(const std::string& queue, std::vector<std::pair<std::string, std::string>> calls);
    // Publishes every (subject, body) at once; how many the stream acknowledged.
    int send(std::vector<std::pair<std::string, std::string>> messages);
    TempDir dir_;
    EnvMap env_;
    int runs_ = 0;
    std::unique_ptr<Process> worker_;
    std::uint16_t metrics_port_ = 0;
    std::unique_ptr<nats::JetStream> js_;
};

// All headers named `name`, case-insensitive, in order.
std::vector<std::string> values(const http::Headers& headers, std::string_view name);

}  // namespace faas::test
