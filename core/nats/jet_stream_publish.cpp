// JetStream's async publishes: each message handed to cnats and its ack awaited on the
// publisher's executor.
#include <string>

#include "core/nats/jet_stream_impl.hpp"

namespace faas::nats {

using detail::PublishWaiter;

void detail::complete_publish(std::shared_ptr<PublishWaiter> waiter, Result<PubAck> result) {
    auto ex = waiter->timer.get_executor();
    asio::post(ex, [waiter = std::move(waiter), result = std::move(result)]() mutable {
        waiter->result.emplace(std::move(result));
        waiter->timer.cancel();
    });
}

void JetStream::Impl::on_ack(jsCtx* /*js*/,
                             natsMsg* msg,
                             jsPubAck* pa,
                             jsPubAckErr* pae,
                             void* closure) {
    auto* self = static_cast<Impl*>(closure);
    std::shared_ptr<PublishWaiter> waiter;
    {
        const std::lock_guard lock(self->mu);
        if (auto it = self->pending.find(msg); it != self->pending.end()) {
            waiter = std::move(it->second);
            self->pending.erase(it);
        }
    }
    natsMsg_Destroy(msg);
    if (!waiter) {
        return;  // our timer gave up on it already
    }
    if (pa != nullptr) {
        PubAck ack{pa->Stream != nullptr ? pa->Stream : "", pa->Sequence, pa->Duplicate};
        detail::complete_publish(std::move(waiter), std::move(ack));
        return;
    }
    std::string what = "nats publish";
    if (pae != nullptr && pae->ErrText != nullptr) {
        what += " (";
        what += pae->ErrText;
        what += ")";
    }
    const natsStatus s = pae != nullptr ? pae->Err : NATS_ERR;
    const jsErrCode code = pae != nullptr ? pae->ErrCode : static_cast<jsErrCode>(0);
    detail::complete_publish(std::move(waiter), detail::status_error(what, s, code));
}

Status JetStream::Impl::start_publish(const std::string& subject,
                                     const Headers& headers,
                                     const std::string& body,
                                     const std::shared_ptr<PublishWaiter>& waiter,
                                     const natsMsg** key) {
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(),
                                  static_cast<int>(body.size()));
    if (s != NATS_OK) {
        return detail::status_error("nats message", s);
    }
    for (const auto& h : headers) {
        s = natsMsgHeader_Add(msg, h.name.c_str(), h.value.c_str());
        if (s != NATS_OK) {
            natsMsg_Destroy(msg);
            return make_error(errc::bad_request,
                              "nats header " + h.name + ": " + natsStatus_GetText(s));
        }
    }
    {
        const std::lock_guard lock(mu);
        if (closed) {
            natsMsg_Destroy(msg);
            return make_error(errc::unavailable, "nats publish: connection closed");
        }
        if (pending.size() >= options.max_pending_publishes) {
            natsMsg_Destroy(msg);
            return make_error(errc::overloaded, "nats publish: too many publishes in flight");
        }
        pending.emplace(msg, waiter);
        published_any = true;
    }
    *key = msg;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    // cnats fails the publish through on_ack with NATS_TIMEOUT after this long, which also
    // drops it from cnats's own pending list; our timer (same length) is the backstop.
    po.MaxWait = detail::to_ms(options.publish_timeout);
    natsMsg* handed = msg;
    s = js_PublishMsgAsync(js, &handed, &po);
    if (s != NATS_OK) {
        forget(msg);
        natsMsg_Destroy(handed);  // still ours when cnats did not take it
        return detail::status_error("nats publish", s);
    }
    return {};
}

bool JetStream::Impl::forget(const natsMsg* key) {
    const std::lock_guard lock(mu);
    return pending.erase(key) > 0;
}

PendingPublish JetStream::start_publish(const asio::any_io_executor& ex,
                                       const std::string& subject,
                                       const Headers& headers,
                                       const std::string& body) {
    auto waiter = std::make_shared<PublishWaiter>(ex);
    const natsMsg* key = nullptr;
    Status started = impl_->start_publish(subject, headers, body, waiter, &key);
    if (!started) {
        return PendingPublish(started.error());
    }
    waiter->timer.expires_after(impl_->options.publish_timeout);
    return PendingPublish(impl_.get(), PendingPublish::Started{std::move(waiter), key});
}

awaitable<Result<PubAck>> JetStream::publish(std::string subject,
                                             Headers headers,
                                             std::string body) {
    const auto ex = co_await asio::this_coro::executor;
    PendingPublish pending = start_publish(ex, subject, headers, body);
    auto waiting = pending.wait();
    Result<PubAck> acked = co_await std::move(waiting);
    co_return acked;
}

PendingPublish::PendingPublish(Error failed) : failed_(std::move(failed)) {}

PendingPublish::PendingPublish(JetStream::Impl* impl, Started started)
    : impl_(impl), started_(std::move(started)) {}

PendingPublish::PendingPublish(PendingPublish&&) noexcept = default;
PendingPublish& PendingPublish::operator=(PendingPublish&&) noexcept = default;
PendingPublish::~PendingPublish() = default;

awaitable<Result<PubAck>> PendingPublish::wait() {
    if (failed_) {
        Result<PubAck> failed = *failed_;
        co_return failed;
    }
    if (!started_) {
        Result<PubAck> gone = make_error(errc::internal, "nats publish: waited for twice");
        co_return gone;
    }
    JetStream::Impl* impl = impl_;
    std::shared_ptr<PublishWaiter> waiter = started_->waiter;
    const auto* key = static_cast<const natsMsg*>(started_->key);
    started_.reset();
    for (;;) {
        // The ack may have come before this wait began (its handler then cancelled nothing).
        if (waiter->result) {
            co_return std::move(*waiter->result);
        }
        boost::system::error_code ec;
        co_await waiter->timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (waiter->result) {
            co_return std::move(*waiter->result);
        }
        if (!ec && impl->forget(key)) {
            // The caller names the call and subject in its own log; no copy of the subject is
            // kept per publish for this rare message.
            Result<PubAck> timed_out = make_error(
                errc::timeout, "nats publish: no ack from the stream within " +
                                   std::to_string(impl->options.publish_timeout.count()) + " ms");
            co_return timed_out;
        }
        // The ack handler took the entry and has posted the result: wait for it.
        waiter->timer.expires_at(asio::steady_timer::time_point::max());
    }
}

std::size_t JetStream::pending_publishes() const {
    const std::lock_guard lock(impl_->mu);
    return impl_->pending.size();
}

}  // namespace faas::nats
