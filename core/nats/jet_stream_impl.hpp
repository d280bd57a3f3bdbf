#pragma once
// Private to core/nats: JetStream's state, shared by jet_stream.cpp (connection and streams),
// jet_stream_publish.cpp (async publishes and their acks) and jet_stream_read.cpp (API reads
// and consumers). Nothing outside core/nats includes this header.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/nats/cnats.hpp"
#include "core/nats/jet_stream.hpp"

namespace faas::nats {

// One publish waiting for its ack. The coroutine waits on `timer`; the ack callback (a cnats
// thread) posts onto the timer's executor, stores `result` and cancels the timer.
struct detail::PublishWaiter {
    explicit PublishWaiter(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<Result<PubAck>> result;
};

namespace detail {

// Hands `result` to the waiter's coroutine, on the waiter's executor.
void complete_publish(std::shared_ptr<PublishWaiter> waiter, Result<PubAck> result);

}  // namespace detail

struct JetStream::Impl {
    ConnectOptions options;
    log::Logger logger;
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;

    // Publishes in flight, keyed by their natsMsg: cnats hands the same pointer back to the ack
    // handler, and the message stays alive (owned by cnats) until that handler destroyed it, so
    // the key cannot be reused while its entry exists.
    mutable std::mutex mu;
    std::unordered_map<const natsMsg*, std::shared_ptr<detail::PublishWaiter>> pending;
    bool closed = false;
    // cnats creates its async-publish state on the first async publish; before that,
    // js_PublishAsyncGetPendingList dereferences NULL.
    bool published_any = false;

    // Runs blocking() jobs: API requests wait for their reply, so two threads keep one slow
    // request from holding up the next.
    asio::thread_pool blocking_pool{2};

    ~Impl() {
        blocking_pool.join();  // jobs still queued run first; they may use the connection
        close();
    }

    // jsOptions for one API request: our api_timeout (milliseconds).
    jsOptions api_options() const {
        jsOptions o;
        jsOptions_Init(&o);
        o.Wait = detail::to_ms(options.api_timeout);
        return o;
    }

    // jet_stream_publish.cpp
    // Called by cnats (its reply-subscription thread) for every async publish, acked or failed.
    static void on_ack(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure);
    // Registers `waiter` under a new message and hands the message to cnats. Never blocks:
    // cnats's own in-flight limit is off (it would stall the caller) and ours answers overloaded.
    Status start_publish(const std::string& subject,
                         const Headers& headers,
                         const std::string& body,
                         const std::shared_ptr<detail::PublishWaiter>& waiter,
                         const natsMsg** key);
    // Drops the entry for `key`; false when the ack handler took it first.
    bool forget(const natsMsg* key);

    // jet_stream.cpp
    // Settles every publish still waiting (acks on the wire get a moment to arrive), then
    // closes the connection.
    void close() noexcept;
};

}  // namespace faas::nats
