#include "core/nats/jet_stream.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/nats/cnats.hpp"

namespace faas::nats {
namespace {

// The logger the connection callbacks use. They run on cnats's callback thread, possibly after
// our JetStream is gone (cnats queues the disconnect event of a closing connection), so they
// take no closure and find the logger by name in spdlog's registry.
constexpr const char* kLoggerName = "nats";

void on_disconnected(natsConnection* /*nc*/, void* /*closure*/) {
    if (auto logger = spdlog::get(kLoggerName)) {
        logger->warn("nats_disconnected reconnecting=true");
    }
}

void on_reconnected(natsConnection* nc, void* /*closure*/) {
    if (auto logger = spdlog::get(kLoggerName)) {
        char url[256] = {};
        natsConnection_GetConnectedUrl(nc, url, sizeof url);
        logger->info("nats_reconnected url={}", url);
    }
}

}  // namespace

// One publish waiting for its ack. The coroutine waits on `timer`; the ack callback (a cnats
// thread) posts onto the timer's executor, stores `result` and cancels the timer.
struct detail::PublishWaiter {
    explicit PublishWaiter(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<Result<PubAck>> result;
};

namespace {

using detail::PublishWaiter;

void complete(std::shared_ptr<PublishWaiter> waiter, Result<PubAck> result) {
    auto ex = waiter->timer.get_executor();
    asio::post(ex, [waiter = std::move(waiter), result = std::move(result)]() mutable {
        waiter->result.emplace(std::move(result));
        waiter->timer.cancel();
    });
}

struct OptionsDeleter {
    void operator()(natsOptions* o) const noexcept { natsOptions_Destroy(o); }
};

struct MsgDeleter {
    void operator()(natsMsg* m) const noexcept { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

// The JetStream API answers "not found" for a missing stream, consumer or message with these
// codes (cnats returns NATS_NOT_FOUND or NATS_ERR with the code set).
bool is_not_found(natsStatus s, jsErrCode jerr) {
    switch (jerr) {
        case JSStreamNotFoundErr:
        case JSConsumerNotFoundErr:
        case JSNoMessageFoundErr:
        case JSSequenceNotFoundErr:
            return true;
        default:
            return s == NATS_NOT_FOUND;
    }
}

// A failed API call: errc::not_found when the server said so, else as status_error maps it
// (timeout, or unavailable for connection trouble and refusals).
Error api_error(std::string_view what, natsStatus s, jsErrCode jerr) {
    Error e = detail::status_error(what, s, jerr);
    if (is_not_found(s, jerr)) {
        e.code = make_error_code(errc::not_found);
    }
    return e;
}

ConsumerState consumer_state_of(const jsConsumerInfo& ci) {
    ConsumerState c;
    c.name = ci.Name != nullptr ? ci.Name : "";
    if (ci.Config != nullptr) {
        if (ci.Config->FilterSubject != nullptr) {
            c.filter_subject = ci.Config->FilterSubject;
        }
        c.max_ack_pending = ci.Config->MaxAckPending;
    }
    c.pending = ci.NumPending;
    c.ack_pending = static_cast<std::uint64_t>(std::max<std::int64_t>(ci.NumAckPending, 0));
    c.redelivered = static_cast<std::uint64_t>(std::max<std::int64_t>(ci.NumRedelivered, 0));
    c.waiting = static_cast<std::uint64_t>(std::max<std::int64_t>(ci.NumWaiting, 0));
    return c;
}

StoredMessage stored_message_of(natsMsg* m) {
    StoredMessage out;
    out.sequence = natsMsg_GetSequence(m);
    const char* subject = natsMsg_GetSubject(m);
    out.subject = subject != nullptr ? subject : "";
    const char* data = natsMsg_GetData(m);
    out.data.assign(data != nullptr ? data : "",
                    static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    out.headers = detail::read_headers(m);
    out.time = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(natsMsg_GetTime(m))));
    return out;
}

}  // namespace

namespace detail {

Error status_error(std::string_view what, natsStatus s, jsErrCode js_code) {
    std::string text(what);
    text += ": ";
    text += natsStatus_GetText(s);
    const char* last = nats_GetLastError(nullptr);
    if (last != nullptr && *last != '\0' && std::string_view(last) != natsStatus_GetText(s)) {
        text += " (";
        text += last;
        text += ")";
    }
    if (static_cast<int>(js_code) != 0) {
        text += " (jetstream error " + std::to_string(static_cast<int>(js_code)) + ")";
    }
    const errc code = s == NATS_TIMEOUT ? errc::timeout : errc::unavailable;
    return make_error(code, std::move(text));
}

}  // namespace detail

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
    for (const auto& h : headers) {
        if (h.name == name) {
            return std::string_view(h.value);
        }
    }
    return std::nullopt;
}

struct JetStream::Impl {
    ConnectOptions options;
    log::Logger logger;
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;

    // Publishes in flight, keyed by their natsMsg: cnats hands the same pointer back to the ack
    // handler, and the message stays alive (owned by cnats) until that handler destroyed it, so
    // the key cannot be reused while its entry exists.
    mutable std::mutex mu;
    std::unordered_map<const natsMsg*, std::shared_ptr<PublishWaiter>> pending;
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

    // Called by cnats (its reply-subscription thread) for every async publish, acked or failed.
    static void on_ack(jsCtx* /*js*/, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
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
            complete(std::move(waiter), std::move(ack));
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
        complete(std::move(waiter), detail::status_error(what, s, code));
    }

    // Registers `waiter` under a new message and hands the message to cnats. Never blocks:
    // cnats's own in-flight limit is off (it would stall the caller) and ours answers overloaded.
    Status start_publish(const std::string& subject,
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

    // Drops the entry for `key`; false when the ack handler took it first.
    bool forget(const natsMsg* key) {
        const std::lock_guard lock(mu);
        return pending.erase(key) > 0;
    }

    void close() noexcept {
        bool had_publishes = false;
        {
            const std::lock_guard lock(mu);
            had_publishes = published_any;
        }
        if (js != nullptr && had_publishes) {
            // Let acks already on the wire arrive (bounded), then make cnats forget the rest so
            // its handler cannot run for them after we are gone.
            jsPubOptions po;
            jsPubOptions_Init(&po);
            po.MaxWait = 1000;
            js_PublishAsyncComplete(js, &po);
            natsMsgList unacked{};
            if (js_PublishAsyncGetPendingList(&unacked, js) == NATS_OK) {
                natsMsgList_Destroy(&unacked);
            }
        }
        std::unordered_map<const natsMsg*, std::shared_ptr<PublishWaiter>> orphans;
        {
            const std::lock_guard lock(mu);
            closed = true;
            orphans.swap(pending);
        }
        for (auto& [key, waiter] : orphans) {
            complete(std::move(waiter),
                     make_error(errc::unavailable, "nats publish: connection closed before ack"));
        }
        if (nc != nullptr) {
            natsConnection_Close(nc);
        }
        if (js != nullptr) {
            jsCtx_Destroy(js);
            js = nullptr;
        }
        if (nc != nullptr) {
            natsConnection_Destroy(nc);
            nc = nullptr;
        }
    }
};

JetStream::JetStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JetStream::~JetStream() = default;

Result<std::unique_ptr<JetStream>> JetStream::connect(const ConnectOptions& options) {
    if (options.urls.empty()) {
        return make_error(errc::bad_request, "nats: no server URL given");
    }
    natsOptions* raw = nullptr;
    natsStatus s = natsOptions_Create(&raw);
    if (s != NATS_OK) {
        return detail::status_error("nats options", s);
    }
    const std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
    std::vector<const char*> urls;
    std::string joined;
    for (const auto& u : options.urls) {
        urls.push_back(u.c_str());
        joined += (joined.empty() ? "" : ",") + u;
    }
    s = natsOptions_SetServers(raw, urls.data(), static_cast<int>(urls.size()));
    if (s == NATS_OK && !options.name.empty()) {
        s = natsOptions_SetName(raw, options.name.c_str());
    }
    if (s == NATS_OK) {
        s = natsOptions_SetAllowReconnect(raw, true);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetMaxReconnect(raw, -1);  // forever
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectWait(raw, detail::to_ms(options.reconnect_wait));
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectBufSize(raw, options.reconnect_buffer_bytes);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetTimeout(raw, detail::to_ms(options.connect_timeout));
    }
    if (s == NATS_OK) {
        s = natsOptions_SetSendAsap(raw, options.send_asap);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetDisconnectedCB(raw, on_disconnected, nullptr);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectedCB(raw, on_reconnected, nullptr);
    }
    if (s != NATS_OK) {
        return detail::status_error("nats options", s);
    }

    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->logger = log::make(kLoggerName);
    s = natsConnection_Connect(&impl->nc, raw);
    if (s != NATS_OK) {
        impl->nc = nullptr;
        return detail::status_error("nats connect to " + joined, s);
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = detail::to_ms(options.api_timeout);
    jo.PublishAsync.AckHandler = &Impl::on_ack;
    jo.PublishAsync.AckHandlerClosure = impl.get();
    jo.PublishAsync.MaxPending = 0;  // no cnats limit: it would block the publishing io thread
    s = natsConnection_JetStream(&impl->js, impl->nc, &jo);
    if (s != NATS_OK) {
        impl->js = nullptr;
        return detail::status_error("nats jetstream context", s);
    }
    char url[256] = {};
    natsConnection_GetConnectedUrl(impl->nc, url, sizeof url);
    impl->logger->info("nats_connected url={} name={}", url, options.name);
    return std::unique_ptr<JetStream>(new JetStream(std::move(impl)));
}

Status JetStream::ensure_stream(const StreamSpec& spec) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    std::vector<const char*> subjects;
    for (const auto& s : spec.subjects) {
        subjects.push_back(s.c_str());
    }
    cfg.Name = spec.name.c_str();
    cfg.Subjects = subjects.data();
    cfg.SubjectsLen = static_cast<int>(subjects.size());
    switch (spec.retention) {
        case Retention::Limits:
            cfg.Retention = js_LimitsPolicy;
            break;
        case Retention::Interest:
            cfg.Retention = js_InterestPolicy;
            break;
        case Retention::WorkQueue:
            cfg.Retention = js_WorkQueuePolicy;
            break;
    }
    cfg.Storage = spec.storage == Storage::File ? js_FileStorage : js_MemoryStorage;
    cfg.Duplicates = detail::to_ns(spec.duplicate_window);  // nanoseconds
    cfg.MaxAge = detail::to_ns(spec.max_age);               // nanoseconds, 0 = none
    cfg.MaxBytes = spec.max_bytes;
    cfg.MaxMsgsPerSubject = spec.max_msgs_per_subject;

    jsStreamInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&info, impl_->js, &cfg, nullptr, &jerr);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) {
        jerr = static_cast<jsErrCode>(0);
        s = js_UpdateStream(&info, impl_->js, &cfg, nullptr, &jerr);
    }
    jsStreamInfo_Destroy(info);
    if (s != NATS_OK) {
        return detail::status_error("nats stream " + spec.name, s, jerr);
    }
    impl_->logger->info("nats_stream_ready stream={}", spec.name);
    return {};
}

namespace {

// The cnats configuration of `spec`; it points into `spec`.
jsConsumerConfig consumer_config(const ConsumerSpec& spec) {
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = spec.durable.c_str();
    cfg.AckPolicy = js_AckExplicit;
    cfg.AckWait = detail::to_ns(spec.ack_wait);  // nanoseconds
    cfg.MaxDeliver = spec.max_deliver;
    cfg.MaxAckPending = spec.max_ack_pending;
    cfg.FilterSubject = spec.filter_subject.c_str();
    return cfg;
}

}  // namespace

Status JetStream::ensure_consumer(const ConsumerSpec& spec) {
    if (spec.filter_subject.empty()) {
        return make_error(errc::bad_request,
                          "nats consumer " + spec.durable + ": no filter subject");
    }
    // nats-server 2.9 answers a create of an existing durable by updating it, so look first.
    auto existing = consumer_state(spec.stream, spec.durable);
    if (existing || existing.error().code != errc::not_found) {
        return existing ? Status{} : Status(existing.error());
    }
    jsConsumerConfig cfg = consumer_config(spec);
    jsConsumerInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s =
        js_AddConsumer(&info, impl_->js, spec.stream.c_str(), &cfg, nullptr, &jerr);
    jsConsumerInfo_Destroy(info);
    if (s != NATS_OK) {
        return detail::status_error("nats consumer " + spec.stream + "/" + spec.durable, s, jerr);
    }
    return {};
}

Result<std::unique_ptr<Consumer>> JetStream::consumer(const ConsumerSpec& spec) {
    if (spec.filter_subject.empty()) {
        return make_error(errc::bad_request,
                          "nats consumer " + spec.durable + ": no filter subject");
    }
    jsConsumerConfig cfg = consumer_config(spec);
    jsConsumerInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddConsumer(&info, impl_->js, spec.stream.c_str(), &cfg, nullptr, &jerr);
    if (s != NATS_OK && jerr == JSConsumerNameExistErr) {
        jerr = static_cast<jsErrCode>(0);
        s = js_UpdateConsumer(&info, impl_->js, spec.stream.c_str(), &cfg, nullptr, &jerr);
    }
    jsConsumerInfo_Destroy(info);
    if (s != NATS_OK) {
        return detail::status_error("nats consumer " + spec.stream + "/" + spec.durable, s, jerr);
    }
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = spec.stream.c_str();
    so.Consumer = spec.durable.c_str();
    natsSubscription* sub = nullptr;
    jerr = static_cast<jsErrCode>(0);
    s = js_PullSubscribe(&sub, impl_->js, spec.filter_subject.c_str(), spec.durable.c_str(),
                         nullptr, &so, &jerr);
    if (s != NATS_OK) {
        return detail::status_error("nats pull subscribe " + spec.durable, s, jerr);
    }
    impl_->logger->info("nats_consumer_ready stream={} durable={}", spec.stream, spec.durable);
    return detail::make_consumer(sub, spec, impl_->logger);
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

Result<StreamState> JetStream::stream_state(const std::string& stream,
                                            const std::string& subjects_filter) {
    jsOptions o = impl_->api_options();
    if (!subjects_filter.empty()) {
        o.Stream.Info.SubjectsFilter = subjects_filter.c_str();
    }
    jsStreamInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetStreamInfo(&info, impl_->js, stream.c_str(), &o, &jerr);
    if (s != NATS_OK) {
        return api_error("nats stream info " + stream, s, jerr);
    }
    StreamState out;
    const jsStreamState& st = info->State;
    out.messages = st.Msgs;
    out.bytes = st.Bytes;
    out.first_sequence = st.FirstSeq;
    out.last_sequence = st.LastSeq;
    out.consumers = static_cast<std::uint64_t>(std::max<std::int64_t>(st.Consumers, 0));
    if (st.Subjects != nullptr) {
        out.subjects.reserve(static_cast<std::size_t>(st.Subjects->Count));
        for (int i = 0; i < st.Subjects->Count; ++i) {
            const jsStreamStateSubject& subj = st.Subjects->List[i];
            out.subjects.emplace_back(subj.Subject != nullptr ? subj.Subject : "", subj.Msgs);
        }
        std::sort(out.subjects.begin(), out.subjects.end());
    }
    jsStreamInfo_Destroy(info);
    return out;
}

Result<ConsumerState> JetStream::consumer_state(const std::string& stream,
                                                const std::string& durable) {
    jsOptions o = impl_->api_options();
    jsConsumerInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s =
        js_GetConsumerInfo(&info, impl_->js, stream.c_str(), durable.c_str(), &o, &jerr);
    if (s != NATS_OK) {
        return api_error("nats consumer info " + stream + "/" + durable, s, jerr);
    }
    ConsumerState out = consumer_state_of(*info);
    jsConsumerInfo_Destroy(info);
    return out;
}

Result<std::vector<ConsumerState>> JetStream::consumers(const std::string& stream) {
    jsOptions o = impl_->api_options();
    jsConsumerInfoList* list = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_Consumers(&list, impl_->js, stream.c_str(), &o, &jerr);
    if (s == NATS_NOT_FOUND && jerr == static_cast<jsErrCode>(0)) {
        // cnats answers NATS_NOT_FOUND without a JetStream code for a stream with no consumers;
        // a missing stream comes with JSStreamNotFoundErr.
        return std::vector<ConsumerState>{};
    }
    if (s != NATS_OK) {
        return api_error("nats consumers of " + stream, s, jerr);
    }
    std::vector<ConsumerState> out;
    out.reserve(static_cast<std::size_t>(list->Count));
    for (int i = 0; i < list->Count; ++i) {
        out.push_back(consumer_state_of(*list->List[i]));
    }
    jsConsumerInfoList_Destroy(list);
    return out;
}

namespace {

// What js_GetMsg and js_GetLastMsg returned: the message, none ("no message found"), or the error
// named by `what`.
Result<std::optional<StoredMessage>> message_read(natsStatus s,
                                                  natsMsg* raw,
                                                  jsErrCode jerr,
                                                  const std::string& what) {
    const MsgPtr msg(raw);
    if (s != NATS_OK) {
        if (jerr == JSNoMessageFoundErr) {
            return std::optional<StoredMessage>();
        }
        return api_error(what, s, jerr);
    }
    return std::optional<StoredMessage>(stored_message_of(msg.get()));
}

}  // namespace

Result<std::optional<StoredMessage>> JetStream::get_message(const std::string& stream,
                                                            std::uint64_t sequence) {
    jsOptions o = impl_->api_options();
    natsMsg* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetMsg(&raw, impl_->js, stream.c_str(), sequence, &o, &jerr);
    return message_read(s, raw, jerr,
                        "nats get message " + stream + "#" + std::to_string(sequence));
}

Result<std::optional<StoredMessage>> JetStream::last_message(const std::string& stream,
                                                             const std::string& subject) {
    jsOptions o = impl_->api_options();
    natsMsg* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetLastMsg(&raw, impl_->js, stream.c_str(), subject.c_str(), &o, &jerr);
    return message_read(s, raw, jerr, "nats last message " + stream + " " + subject);
}

Status JetStream::delete_message(const std::string& stream, std::uint64_t sequence) {
    jsOptions o = impl_->api_options();
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_DeleteMsg(impl_->js, stream.c_str(), sequence, &o, &jerr);
    if (s != NATS_OK) {
        Error e =
            api_error("nats delete message " + stream + "#" + std::to_string(sequence), s, jerr);
        // nats-server 2.9 answers a sequence it does not hold (deleted, expired, or past the
        // last) with the generic 10057 ("no message found" / "stream store EOF").
        if (jerr == JSStreamMsgDeleteFailed) {
            e.code = make_error_code(errc::not_found);
        }
        return e;
    }
    return {};
}

asio::thread_pool::executor_type JetStream::blocking_executor() const {
    return impl_->blocking_pool.get_executor();
}

std::size_t JetStream::pending_publishes() const {
    const std::lock_guard lock(impl_->mu);
    return impl_->pending.size();
}

bool JetStream::connected() const {
    return natsConnection_Status(impl_->nc) == NATS_CONN_STATUS_CONNECTED;
}

std::int64_t JetStream::max_payload() const {
    return natsConnection_GetMaxPayload(impl_->nc);
}

}  // namespace faas::nats
