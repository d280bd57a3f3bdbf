#pragma once
// Consumer: a pull subscription bound to a durable JetStream consumer. fetch() runs cnats's
// blocking Fetch on a thread of its own and resumes the caller on the caller's executor, so io
// threads never block. Message: one fetched message, acknowledged through the subscription it
// came from (so it must not outlive its Consumer). Made by JetStream::consumer().
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/nats/types.hpp"
#include "core/result.hpp"

namespace faas::nats {

class Message {
public:
    struct Handle;  // owns the natsMsg
    explicit Message(std::unique_ptr<Handle> handle);
    ~Message();
    Message(Message&&) noexcept;
    Message& operator=(Message&&) noexcept;

    const std::string& subject() const noexcept { return subject_; }
    const Headers& headers() const noexcept { return headers_; }
    std::optional<std::string_view> header(std::string_view name) const {
        return find_header(headers_, name);
    }
    const std::string& data() const noexcept { return data_; }
    // 1 on the first delivery, 2 on the first redelivery, ...
    std::uint64_t num_delivered() const noexcept { return num_delivered_; }
    std::uint64_t stream_sequence() const noexcept { return stream_sequence_; }

    // Each reply is sent without waiting (cnats buffers it; no io thread blocks).
    // Done: WorkQueue retention removes the message.
    Status ack();
    // Not done: redeliver after `delay` (0: at once).
    Status nak(std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    // Still working: restarts the consumer's ack_wait for this message.
    Status in_progress();
    // Never redeliver.
    Status term();

private:
    std::unique_ptr<Handle> handle_;
    std::string subject_;
    Headers headers_;
    std::string data_;
    std::uint64_t num_delivered_ = 0;
    std::uint64_t stream_sequence_ = 0;
};

class Consumer {
public:
    struct Impl;
    explicit Consumer(std::unique_ptr<Impl> impl);
    // Waits for a fetch in progress (at most its timeout), then unsubscribes (the durable
    // consumer stays on the server).
    ~Consumer();
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;

    // Up to `batch` messages, waiting at most `timeout` for the first. An empty vector when none
    // came in time (not an error). errc::unavailable when the connection is down: back off.
    // Fetches of one Consumer run one after another.
    awaitable<Result<std::vector<Message>>> fetch(int batch, std::chrono::milliseconds timeout);

    const ConsumerSpec& spec() const noexcept;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::nats
