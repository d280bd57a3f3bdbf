// JetStream's API reads (stream and consumer state, stored messages), message deletes and
// durable consumers. Every call here blocks on a JetStream API request.
#include <algorithm>
#include <string>

#include "core/nats/jet_stream_impl.hpp"

namespace faas::nats {

namespace {

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

// A failed API call: errc::not_found when the server said so, else as status_error maps it
// (timeout, or unavailable for connection trouble and refusals).
Error api_error(std::string_view what, natsStatus s, jsErrCode jerr) {
    Error e = detail::status_error(what, s, jerr);
    if (is_not_found(s, jerr)) {
        e.code = make_error_code(errc::not_found);
    }
    return e;
}

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
    auto jerr = static_cast<jsErrCode>(0);
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
    auto jerr = static_cast<jsErrCode>(0);
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

Result<StreamState> JetStream::stream_state(const std::string& stream,
                                            const std::string& subjects_filter) {
    jsOptions o = impl_->api_options();
    if (!subjects_filter.empty()) {
        o.Stream.Info.SubjectsFilter = subjects_filter.c_str();
    }
    jsStreamInfo* info = nullptr;
    auto jerr = static_cast<jsErrCode>(0);
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
    auto jerr = static_cast<jsErrCode>(0);
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
    auto jerr = static_cast<jsErrCode>(0);
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
    auto jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetMsg(&raw, impl_->js, stream.c_str(), sequence, &o, &jerr);
    return message_read(s, raw, jerr,
                        "nats get message " + stream + "#" + std::to_string(sequence));
}

Result<std::optional<StoredMessage>> JetStream::last_message(const std::string& stream,
                                                             const std::string& subject) {
    jsOptions o = impl_->api_options();
    natsMsg* raw = nullptr;
    auto jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetLastMsg(&raw, impl_->js, stream.c_str(), subject.c_str(), &o, &jerr);
    return message_read(s, raw, jerr, "nats last message " + stream + " " + subject);
}

Status JetStream::delete_message(const std::string& stream, std::uint64_t sequence) {
    jsOptions o = impl_->api_options();
    auto jerr = static_cast<jsErrCode>(0);
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

}  // namespace faas::nats
