#pragma once
// JetStream: one NATS connection (reconnecting forever) and its JetStream context. Publishes are
// asynchronous with many in flight; each awaiting coroutine is resumed on its own executor from
// cnats's ack callback. Management calls (connect, ensure_stream, consumer) block: call them at
// start-up, not on an io thread that serves traffic. Thread-safe; owned by the component's main.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/asio.hpp"
#include "core/log/log.hpp"
#include "core/nats/consumer.hpp"
#include "core/nats/run_on.hpp"
#include "core/nats/types.hpp"
#include "core/result.hpp"

namespace faas::nats {

namespace detail {
struct PublishWaiter;
}

class PendingPublish;

class JetStream {
public:
    // Connects (blocking, up to options.connect_timeout). Fails with errc::unavailable naming
    // the URLs when no server answers. Logs through the "nats" logger (log::make("nats", ...)
    // before connecting sets its format and level).
    static Result<std::unique_ptr<JetStream>> connect(const ConnectOptions& options);
    // Waits briefly for acks still in flight, fails the rest with errc::unavailable, closes.
    // Consumers made by this object must be destroyed first, and publishing coroutines must
    // have finished (or their io_context stopped for good).
    ~JetStream();
    JetStream(const JetStream&) = delete;
    JetStream& operator=(const JetStream&) = delete;

    // Creates the stream, or updates it to `spec` when it exists. Blocking.
    Status ensure_stream(const StreamSpec& spec);

    // Creates or updates the durable consumer and binds a pull subscription to it. Blocking.
    Result<std::unique_ptr<Consumer>> consumer(const ConsumerSpec& spec);
    // Creates the durable consumer unless one of that name exists, whatever its configuration
    // (an existing one is left as it is; two callers creating it at the same moment may leave
    // either's configuration). No subscription. Blocking.
    Status ensure_consumer(const ConsumerSpec& spec);

    // Publishes `body` with `headers` (a Nats-Msg-Id header enables duplicate suppression) and
    // completes when the stream acknowledged it. The calling coroutine's executor must run on
    // one thread (an io_context per thread, or a strand). Errors: errc::timeout (no ack within
    // publish_timeout), errc::overloaded (max_pending_publishes in flight), errc::unavailable
    // (no stream for the subject, the stream refused it, or the connection is closed).
    awaitable<Result<PubAck>> publish(std::string subject, Headers headers, std::string body);

    // The same in two steps: hands the message to cnats now, on the calling thread (so messages
    // started one after another reach the server in that order, on the one connection), and
    // returns what to wait on for the ack, on `ex` (one thread, as above). Lets a caller have
    // several publishes in flight without a coroutine for each.
    PendingPublish start_publish(const asio::any_io_executor& ex,
                                 const std::string& subject,
                                 const Headers& headers,
                                 const std::string& body);

    // --- Blocking reads and deletes (JetStream API requests; up to api_timeout). Call them from a
    // thread that may block, or from a coroutine through blocking() below. ---
    // errc::not_found when the stream does not exist. `subjects_filter` (e.g. "faas-request.>")
    // fills StreamState::subjects.
    Result<StreamState> stream_state(const std::string& stream,
                                     const std::string& subjects_filter = {});
    // errc::not_found when the stream or the consumer does not exist.
    Result<ConsumerState> consumer_state(const std::string& stream, const std::string& durable);
    // Every consumer of the stream (empty when it has none; errc::not_found without the stream).
    Result<std::vector<ConsumerState>> consumers(const std::string& stream);
    // nullopt when no message has that sequence (never stored, deleted, or expired).
    Result<std::optional<StoredMessage>> get_message(const std::string& stream,
                                                     std::uint64_t sequence);
    // The last message stored on `subject` (a KV-style read); nullopt when there is none.
    Result<std::optional<StoredMessage>> last_message(const std::string& stream,
                                                      const std::string& subject);
    // errc::not_found when no message has that sequence.
    Status delete_message(const std::string& stream, std::uint64_t sequence);

    // Runs `fn` (which may block, e.g. the calls above) on a small thread pool owned by this
    // object and resumes the calling coroutine on its own executor with the result. `fn` must not
    // throw. Never blocks an io thread.
    template <class T>
    awaitable<T> blocking(std::function<T()> fn);

    // Publishes waiting for an ack right now.
    std::size_t pending_publishes() const;
    // True while the connection is up (false while reconnecting).
    bool connected() const;
    // The largest message the server accepts (its max_payload, 1 MiB unless configured), as
    // announced when the connection was made.
    std::int64_t max_payload() const;

private:
    friend class PendingPublish;
    // The blocking pool's executor (FIFO, a few threads).
    asio::thread_pool::executor_type blocking_executor() const;
    struct Impl;
    explicit JetStream(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A publish handed to NATS whose ack is still to come: made by JetStream::start_publish, waited
// for with wait() on the executor it was started on. Move-only. Dropping it without waiting is
// fine (its ack is then ignored). A publish that could not start carries its error, which
// wait() returns at once.
class PendingPublish {
public:
    PendingPublish(PendingPublish&&) noexcept;
    PendingPublish& operator=(PendingPublish&&) noexcept;
    ~PendingPublish();

    // Completes when the stream acknowledged the message, refused it, or publish_timeout passed
    // (errors as JetStream::publish). Call it once.
    awaitable<Result<PubAck>> wait();

private:
    friend class JetStream;
    struct Started {
        std::shared_ptr<detail::PublishWaiter> waiter;
        const void* key;  // the message, as the ack handler knows it
    };
    explicit PendingPublish(Error failed);
    PendingPublish(JetStream::Impl* impl, Started started);
    JetStream::Impl* impl_ = nullptr;
    std::optional<Started> started_;
    std::optional<Error> failed_;
};

template <class T>
awaitable<T> JetStream::blocking(std::function<T()> fn) {
    return detail::run_on<T>(blocking_executor(), std::move(fn));
}

}  // namespace faas::nats
