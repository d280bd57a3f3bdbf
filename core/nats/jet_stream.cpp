// JetStream's connection (made, watched, closed) and its streams.
#include "core/nats/jet_stream.hpp"

#include <array>
#include <string>
#include <vector>

#include "core/nats/jet_stream_impl.hpp"

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
        std::array<char, 256> url{};
        natsConnection_GetConnectedUrl(nc, url.data(), url.size());
        logger->info("nats_reconnected url={}", url.data());
    }
}

struct OptionsDeleter {
    void operator()(natsOptions* o) const noexcept { natsOptions_Destroy(o); }
};
using OptionsPtr = std::unique_ptr<natsOptions, OptionsDeleter>;

// The connection's options: the servers, reconnecting forever, timeouts, the callbacks.
Result<OptionsPtr> connection_options(const ConnectOptions& options) {
    natsOptions* raw = nullptr;
    natsStatus s = natsOptions_Create(&raw);
    if (s != NATS_OK) {
        return detail::status_error("nats options", s);
    }
    OptionsPtr opts(raw);
    std::vector<const char*> urls;
    for (const auto& u : options.urls) {
        urls.push_back(u.c_str());
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
    return opts;
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

void JetStream::Impl::close() noexcept {
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
    std::unordered_map<const natsMsg*, std::shared_ptr<detail::PublishWaiter>> orphans;
    {
        const std::lock_guard lock(mu);
        closed = true;
        orphans.swap(pending);
    }
    for (auto& [key, waiter] : orphans) {
        detail::complete_publish(
            std::move(waiter),
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

JetStream::JetStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JetStream::~JetStream() = default;

Result<std::unique_ptr<JetStream>> JetStream::connect(const ConnectOptions& options) {
    if (options.urls.empty()) {
        return make_error(errc::bad_request, "nats: no server URL given");
    }
    auto opts = connection_options(options);
    if (!opts) {
        return opts.error();
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->logger = log::make(kLoggerName);
    natsStatus s = natsConnection_Connect(&impl->nc, opts->get());
    if (s != NATS_OK) {
        impl->nc = nullptr;
        std::string joined;
        for (const auto& u : options.urls) {
            joined += (joined.empty() ? "" : ",") + u;
        }
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
    std::array<char, 256> url{};
    natsConnection_GetConnectedUrl(impl->nc, url.data(), url.size());
    impl->logger->info("nats_connected url={} name={}", url.data(), options.name);
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
    auto jerr = static_cast<jsErrCode>(0);
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

asio::thread_pool::executor_type JetStream::blocking_executor() const {
    return impl_->blocking_pool.get_executor();
}

bool JetStream::connected() const {
    return natsConnection_Status(impl_->nc) == NATS_CONN_STATUS_CONNECTED;
}

std::int64_t JetStream::max_payload() const {
    return natsConnection_GetMaxPayload(impl_->nc);
}

}  // namespace faas::nats
