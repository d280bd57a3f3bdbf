#include "gateway/async_queue.hpp"

#include <algorithm>
#include <chrono>

namespace faas::gateway {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kFirstRetry{250};
constexpr milliseconds kMaxRetry{5000};
// A failing connect is logged at warn once, then every this many attempts.
constexpr int kLogEvery = 20;
// Room left in a message for the QueueRequest's headers and fields around the base64 body.
constexpr std::int64_t kEnvelopeRoom = std::int64_t{64} * 1024;

}  // namespace

AsyncQueue::AsyncQueue(const Config& config, log::Logger log, Metrics& metrics)
    : config_(config),
      log_(std::move(log)),
      metrics_(metrics),
      max_body_(config.async_max_request_size) {}

AsyncQueue::~AsyncQueue() {
    {
        const std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    ready_.store(nullptr);
    js_.reset();
}

void AsyncQueue::start() {
    if (config_.nats_address.empty()) {
        log_->info("async calls disabled reason=\"faas_nats_address is not set\"");
        return;
    }
    thread_ = std::thread([this] { run(); });
}

nats::JetStream* AsyncQueue::ready(std::string& why) const {
    if (config_.nats_address.empty()) {
        why =
            "async calls are disabled: the gateway has no NATS server (faas_nats_address is not "
            "set)";
        return nullptr;
    }
    nats::JetStream* js = ready_.load(std::memory_order_acquire);
    if (js == nullptr) {
        why = "NATS at " + config_.nats_address + ":" + std::to_string(config_.nats_port) +
              " is not reachable yet; try again later";
        return nullptr;
    }
    if (!js->connected()) {
        why = "the connection to NATS at " + config_.nats_address + ":" +
              std::to_string(config_.nats_port) + " is down; try again later";
        return nullptr;
    }
    return js;
}

std::uint64_t AsyncQueue::body_limit_for(std::int64_t max_payload) noexcept {
    if (max_payload <= kEnvelopeRoom) {
        return 0;
    }
    return static_cast<std::uint64_t>((max_payload - kEnvelopeRoom) * 3 / 4);
}

bool AsyncQueue::pause(milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stop_; });
}

std::unique_ptr<nats::JetStream> AsyncQueue::attempt(bool quiet) {
    nats::ConnectOptions o;
    o.urls = {"nats://" + config_.nats_address + ":" + std::to_string(config_.nats_port)};
    o.name = "faas-gateway";
    o.send_asap = config_.nats_send_asap;
    auto js = nats::JetStream::connect(o);
    if (!js) {
        metrics_.nats_connect_failures.Increment();
        if (!quiet) {
            log_->warn("nats connect failed url={} error=\"{}\" retrying=true", o.urls.front(),
                       js.error().what());
        }
        return nullptr;
    }
    const auto& s = config_.streams;
    for (const auto& spec :
         {openfaas::async::request_stream_spec(s), openfaas::async::status_stream_spec(s)}) {
        if (auto st = (*js)->ensure_stream(spec); !st) {
            metrics_.nats_connect_failures.Increment();
            log_->error("nats stream not ready stream={} error=\"{}\" retrying=true", spec.name,
                        st.error().what());
            return nullptr;
        }
    }
    const std::int64_t payload = (*js)->max_payload();
    const std::uint64_t fits = body_limit_for(payload);
    if (config_.async_max_request_size > fits) {
        log_->warn(
            "async_max_request_size lowered configured={} effective={} "
            "nats_max_payload={} reason=\"a queued request carries the body in base64\"",
            config_.async_max_request_size, fits, payload);
        max_body_.store(fits, std::memory_order_relaxed);
    }
    log_->info("async calls ready nats={} stream={} status_stream={} max_body={}", o.urls.front(),
               s.request_stream, openfaas::async::status_stream_spec(s).name, max_body_.load());
    return std::move(js).value();
}

void AsyncQueue::run() {
    milliseconds wait = kFirstRetry;
    for (int failures = 0;; ++failures) {
        {
            const std::lock_guard lock(mu_);
            if (stop_) {
                return;
            }
        }
        auto js = attempt(failures % kLogEvery != 0);
        if (js) {
            js_ = std::move(js);
            ready_.store(js_.get(), std::memory_order_release);
            return;  // cnats reconnects by itself from here on
        }
        if (!pause(wait)) {
            return;
        }
        wait = std::min(wait * 2, kMaxRetry);
    }
}

}  // namespace faas::gateway
