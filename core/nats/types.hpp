#pragma once
// Plain values of the JetStream layer: headers, publish acks, stream and consumer specs. No cnats
// types here, so code that publishes or consumes never includes nats.h.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faas::nats {

// JetStream drops a message whose Nats-Msg-Id it saw within the stream's duplicate window.
inline constexpr std::string_view kMsgIdHeader = "Nats-Msg-Id";

struct Header {
    std::string name;
    std::string value;
};
using Headers = std::vector<Header>;

// The first value of `name` (exact, case-sensitive as NATS headers are), or nullopt.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

// What the stream answered for one published message.
struct PubAck {
    std::string stream;
    std::uint64_t sequence = 0;
    // True when the stream had already stored a message with the same Nats-Msg-Id: nothing new
    // was stored, `sequence` is the original's.
    bool duplicate = false;
};

enum class Retention { Limits, Interest, WorkQueue };
enum class Storage { File, Memory };

struct StreamSpec {
    std::string name;                   // e.g. "faas-request"
    std::vector<std::string> subjects;  // e.g. {"faas-request.>"}
    Retention retention = Retention::WorkQueue;
    Storage storage = Storage::File;
    std::chrono::nanoseconds duplicate_window = std::chrono::minutes(2);
    std::chrono::nanoseconds max_age{0};  // 0: messages never expire
    std::int64_t max_bytes = -1;          // -1: unlimited
    std::int64_t max_msgs_per_subject = -1;  // -1: unlimited; 1 makes a KV-like "last value" stream
};

// A durable pull consumer. Durations are ours (std::chrono); the layer converts to cnats units.
struct ConsumerSpec {
    std::string stream;
    std::string durable;
    std::string filter_subject;  // required, e.g. "faas-request.default" or "faas-request.>"
    std::chrono::nanoseconds ack_wait = std::chrono::seconds(30);
    std::int64_t max_deliver = -1;  // -1: unlimited redeliveries
    std::int64_t max_ack_pending = 1000;
};

// What a stream holds now (js_GetStreamInfo).
struct StreamState {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t first_sequence = 0;
    std::uint64_t last_sequence = 0;
    std::uint64_t consumers = 0;
    // Messages per subject, only when a subjects filter was asked for (e.g. "faas-request.>").
    std::vector<std::pair<std::string, std::uint64_t>> subjects;
};

// A durable consumer's counters (js_GetConsumerInfo).
struct ConsumerState {
    std::string name;
    std::string filter_subject;
    std::uint64_t pending = 0;      // NumPending: matching messages not delivered yet
    std::uint64_t ack_pending = 0;  // NumAckPending: delivered, not acknowledged yet
    std::uint64_t redelivered = 0;  // NumRedelivered
    std::uint64_t waiting = 0;      // NumWaiting: pull requests waiting
    std::int64_t max_ack_pending = 0;  // its configuration's MaxAckPending
};

// One message read back from a stream by sequence or by subject (js_GetMsg / js_GetLastMsg).
struct StoredMessage {
    std::uint64_t sequence = 0;
    std::string subject;
    Headers headers;
    std::string data;
    std::chrono::system_clock::time_point time;  // when the stream stored it
};

struct ConnectOptions {
    std::vector<std::string> urls;  // e.g. {"nats://127.0.0.1:4222"}
    std::string name;               // the client name the server shows
    // The connection reconnects forever, waiting this long between attempts to one server.
    std::chrono::milliseconds reconnect_wait{250};
    // How long a blocking connect waits for the first connection.
    std::chrono::milliseconds connect_timeout{2000};
    // A publish not acknowledged within this time fails with errc::timeout.
    std::chrono::milliseconds publish_timeout{5000};
    // Publishes in flight at once; one more fails at once with errc::overloaded.
    std::size_t max_pending_publishes = 65536;
    // Bytes cnats buffers while disconnected (published on reconnect).
    int reconnect_buffer_bytes = 64 * 1024 * 1024;
    // Blocking JetStream API calls (stream and consumer management) wait this long.
    std::chrono::milliseconds api_timeout{5000};
    // Write each publish and ack to the socket at once. Off, cnats' flusher thread batches
    // writes and waits about 1 ms before each flush: more throughput when many messages are in
    // flight, but every message that is waited for alone pays that millisecond.
    bool send_asap = false;
};

}  // namespace faas::nats
