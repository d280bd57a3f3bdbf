#pragma once
// AsyncQueue: the gateway's JetStream connection for async calls (docs/async.md). A thread of its
// own connects, ensures the request and status streams and reads the server's max_payload; while
// NATS is down it keeps retrying in the background, so the gateway serves sync calls meanwhile
// and answers 503 on the async routes. Handlers on any I/O thread ask ready(). Owned by
// Gateway::Impl and destroyed after the I/O threads stopped (publishes must be finished).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/log/log.hpp"
#include "core/nats/jet_stream.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"

namespace faas::gateway {

class AsyncQueue {
public:
    AsyncQueue(const Config& config, log::Logger log, Metrics& metrics);
    // Stops the connecting thread (waiting at most one connect attempt) and closes the
    // connection.
    ~AsyncQueue();
    AsyncQueue(const AsyncQueue&) = delete;
    AsyncQueue& operator=(const AsyncQueue&) = delete;

    // Starts connecting in the background; does nothing when faas_nats_address is empty.
    void start();

    // The connection when it is up and the streams exist, else nullptr with `why` set to the
    // reason a 503 gives.
    nats::JetStream* ready(std::string& why) const;

    // async_max_request_size, lowered to what fits into the server's max_payload.
    std::uint64_t max_body() const noexcept { return max_body_.load(std::memory_order_relaxed); }

    // The largest body whose QueueRequest (base64 body plus 64 KiB for headers and fields)
    // fits into a message of `max_payload` bytes.
    static std::uint64_t body_limit_for(std::int64_t max_payload) noexcept;

private:
    void run();
    // One attempt: connect, ensure the streams, read max_payload. Logs what failed.
    std::unique_ptr<nats::JetStream> attempt(bool quiet);
    // Waits `d` unless stopping; false when stopping.
    bool pause(std::chrono::milliseconds d);

    const Config& config_;
    log::Logger log_;
    Metrics& metrics_;
    std::atomic<std::uint64_t> max_body_;
    std::unique_ptr<nats::JetStream> js_;  // written once by the thread before ready_ is set
    std::atomic<nats::JetStream*> ready_{nullptr};
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace faas::gateway
