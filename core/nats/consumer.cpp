#include "core/nats/consumer.hpp"
#include "core/nats/run_on.hpp"

#include <cstdlib>

#include "core/nats/cnats.hpp"

namespace faas::nats {

struct Message::Handle {
    explicit Handle(natsMsg* m) : msg(m) {}
    ~Handle() { natsMsg_Destroy(msg); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    natsMsg* msg;
};

Message::Message(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {
    natsMsg* m = handle_->msg;
    subject_ = natsMsg_GetSubject(m);
    const char* data = natsMsg_GetData(m);
    data_.assign(data != nullptr ? data : "", static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    headers_ = detail::read_headers(m);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
        num_delivered_ = meta->NumDelivered;
        stream_sequence_ = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
    }
}

Message::~Message() = default;
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;

Status Message::ack() {
    const natsStatus s = natsMsg_Ack(handle_->msg, nullptr);
    if (s != NATS_OK) {
        return detail::status_error("nats ack", s);
    }
    return {};
}

Status Message::nak(std::chrono::milliseconds delay) {
    // NakWithDelay takes milliseconds (AckWait and BackOff are nanoseconds).
    const natsStatus s = delay.count() > 0
                             ? natsMsg_NakWithDelay(handle_->msg, delay.count(), nullptr)
                             : natsMsg_Nak(handle_->msg, nullptr);
    if (s != NATS_OK) {
        return detail::status_error("nats nak", s);
    }
    return {};
}

Status Message::in_progress() {
    const natsStatus s = natsMsg_InProgress(handle_->msg, nullptr);
    if (s != NATS_OK) {
        return detail::status_error("nats in-progress", s);
    }
    return {};
}

Status Message::term() {
    const natsStatus s = natsMsg_Term(handle_->msg, nullptr);
    if (s != NATS_OK) {
        return detail::status_error("nats term", s);
    }
    return {};
}

struct Consumer::Impl {
    Impl(natsSubscription* s, ConsumerSpec sp, log::Logger l)
        : sub(s), spec(std::move(sp)), logger(std::move(l)) {}
    ~Impl() {
        pool.join();  // a fetch in progress ends within its timeout
        natsSubscription_Destroy(sub);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    // Runs on `pool`: blocks in cnats until messages came or `timeout` passed. Returns as soon
    // as one message is there (a pull request for `batch` would hold the first until the batch
    // is full, past its ack_wait), and takes whatever else is ready at that moment.
    Result<std::vector<Message>> fetch_blocking(int batch, std::chrono::milliseconds timeout) {
        std::vector<Message> out;
        Status ready = request(out, batch, timeout, true);
        if (!ready) {
            return ready.error();
        }
        if (!out.empty()) {
            return out;
        }
        Status first = request(out, 1, timeout, false);
        if (!first) {
            return first.error();
        }
        if (!out.empty() && batch > 1) {
            Status rest = request(out, batch - 1, timeout, true);
            if (!rest) {
                // The messages we hold are still ours to handle; the next fetch reports it.
                logger->debug("nats_fetch_rest_failed durable={} err={}", spec.durable,
                              rest.error().what());
            }
        }
        return out;
    }

    // One pull request for up to `batch` messages, appended to `out`. `no_wait`: only what is
    // there now. The server expires a waiting request (Expires is in nanoseconds) when we stop
    // waiting: natsSubscription_Fetch(batch 1) sends none, and a pull request left on the
    // server takes the next message for a fetch nobody waits on any more.
    Status request(std::vector<Message>& out,
                   int batch,
                   std::chrono::milliseconds timeout,
                   bool no_wait) {
        jsFetchRequest req;
        jsFetchRequest_Init(&req);
        req.Batch = batch;
        req.NoWait = no_wait;
        req.Expires = detail::to_ns(timeout);
        natsMsgList list{};
        const natsStatus s = natsSubscription_FetchRequest(&list, sub, &req);
        if (s == NATS_OK) {
            out.reserve(out.size() + static_cast<std::size_t>(list.Count));
            for (int i = 0; i < list.Count; ++i) {
                // Take the message out of the list so natsMsgList_Destroy frees only the array.
                natsMsg* m = list.Msgs[i];
                list.Msgs[i] = nullptr;
                out.emplace_back(std::make_unique<Message::Handle>(m));
            }
        }
        natsMsgList_Destroy(&list);
        logger->debug("nats_pull durable={} batch={} no_wait={} status={} got={}", spec.durable,
                      batch, no_wait, natsStatus_GetText(s), out.size());
        if (s == NATS_OK || s == NATS_TIMEOUT || s == NATS_NOT_FOUND) {
            return {};  // nothing (more) there in time: not an error
        }
        return detail::status_error("nats fetch " + spec.durable, s);
    }

    natsSubscription* sub;
    ConsumerSpec spec;
    log::Logger logger;
    // One thread: cnats's Fetch blocks, and fetches on one subscription must not overlap.
    asio::thread_pool pool{1};
};

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Consumer::~Consumer() = default;

const ConsumerSpec& Consumer::spec() const noexcept {
    return impl_->spec;
}

awaitable<Result<std::vector<Message>>> Consumer::fetch(int batch,
                                                        std::chrono::milliseconds timeout) {
    Impl* impl = impl_.get();
    return detail::run_on<Result<std::vector<Message>>>(
        impl->pool.get_executor(),
        [impl, batch, timeout]() { return impl->fetch_blocking(batch, timeout); });
}

namespace detail {

Headers read_headers(natsMsg* m) {
    Headers headers;
    const char** keys = nullptr;
    int key_count = 0;
    if (natsMsgHeader_Keys(m, &keys, &key_count) == NATS_OK) {
        for (int i = 0; i < key_count; ++i) {
            const char** values = nullptr;
            int value_count = 0;
            if (natsMsgHeader_Values(m, keys[i], &values, &value_count) == NATS_OK) {
                for (int v = 0; v < value_count; ++v) {
                    headers.push_back(Header{keys[i], values[v]});
                }
                std::free(static_cast<void*>(values));  // NOLINT: cnats allocates with malloc
            }
        }
        std::free(static_cast<void*>(keys));  // NOLINT: the array, not the strings (cnats docs)
    }
    return headers;
}

std::unique_ptr<Consumer> make_consumer(natsSubscription* sub,
                                        ConsumerSpec spec,
                                        log::Logger logger) {
    return std::make_unique<Consumer>(
        std::make_unique<Consumer::Impl>(sub, std::move(spec), std::move(logger)));
}

}  // namespace detail

}  // namespace faas::nats
