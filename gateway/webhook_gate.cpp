#include "gateway/webhook_gate.hpp"

#include <memory>

#include "gateway/context.hpp"
#include "gateway/webhook.hpp"

namespace faas::gateway {

std::optional<Result<std::string>> WebhookSecrets::get(const std::string& function) {
    const std::lock_guard lock(mu_);
    auto it = entries_.find(function);
    if (it == entries_.end() || std::chrono::steady_clock::now() - it->second.at > kLifetime) {
        return std::nullopt;
    }
    return it->second.secret;
}

void WebhookSecrets::put(const std::string& function, const Result<std::string>& secret) {
    if (!secret && secret.error().code != errc::not_found) {
        return;  // the provider may answer next time
    }
    const std::lock_guard lock(mu_);
    entries_.insert_or_assign(function, Entry{secret, std::chrono::steady_clock::now()});
}

namespace {

// The secret's bytes from the provider; an error when it cannot be had.
awaitable<Result<std::string>> read_secret(ThreadState& ts,
                                           const std::string& key,
                                           const std::string& name,
                                           const std::string& namespace_) {
    std::string target = "/system/function-webhook-secret/" + name + "?namespace=" + namespace_;
    auto r = co_await ts.provider_call("GET", std::move(target), "", std::chrono::seconds(5));
    if (!r) {
        Result<std::string> failed =
            make_error(errc::upstream_failed,
                       "cannot read the webhook secret from the provider: " + r.error().what());
        co_return failed;
    }
    if (r->status != 200) {
        Result<std::string> failed =
            make_error(r->status == 404 ? errc::not_found : errc::upstream_failed,
                       "cannot read the webhook secret of " + key + ": provider answered " +
                           std::to_string(r->status) + " " + std::string(r->body.substr(0, 200)));
        co_return failed;
    }
    co_return std::move(r->body);
}

// Ends a read on this thread however read_secret returns: waiters get its result (or an error
// when it threw) and the next miss starts a new read.
class ReadGuard {
public:
    ReadGuard(ThreadState& ts, std::string key, std::shared_ptr<SecretRead> read)
        : ts_(ts), key_(std::move(key)), read_(std::move(read)) {}
    ReadGuard(const ReadGuard&) = delete;
    ReadGuard& operator=(const ReadGuard&) = delete;
    ~ReadGuard() {
        ts_.secret_reads.erase(key_);
        if (!read_->result) {
            read_->result = make_error(errc::internal, "reading the webhook secret failed");
        }
        read_->done.notify();
    }

private:
    ThreadState& ts_;
    std::string key_;
    std::shared_ptr<SecretRead> read_;
};

// The secret from the cache, from a read in flight on this thread, or read now.
awaitable<Result<std::string>> fetch_secret(ThreadState& ts,
                                            const std::string& key,
                                            const std::string& name,
                                            const std::string& namespace_) {
    if (auto cached = ts.shared.webhook_secrets.get(key)) {
        co_return std::move(*cached);
    }
    if (auto it = ts.secret_reads.find(key); it != ts.secret_reads.end()) {
        const std::shared_ptr<SecretRead> read = it->second;
        co_await read->done.wait();
        co_return *read->result;
    }
    auto read = std::make_shared<SecretRead>(ts.ioc.get_executor());
    ts.secret_reads.emplace(key, read);
    const ReadGuard guard(ts, key, read);
    Result<std::string> r = co_await read_secret(ts, key, name, namespace_);
    ts.shared.webhook_secrets.put(key, r);
    read->result = r;
    co_return r;
}

}  // namespace

awaitable<WebhookOutcome> check_webhook(ThreadState& ts,
                                        const std::string& key,
                                        const FunctionEntry& f,
                                        const http::Headers& headers,
                                        std::string_view body,
                                        const std::string& call_id) {
    WebhookOutcome out;
    if (!f.webhook_error.empty()) {
        // Refused rather than let through: the function asked for verification.
        ts.shared.log->warn("webhook misconfigured fn={} call_id={} error=\"{}\"", key, call_id,
                            f.webhook_error);
        ts.metrics.webhook_rejected(key, "config");
        out.answer = http::text_error(
            500, "function " + key + " has bad webhook annotations: " + f.webhook_error);
        co_return out;
    }
    if (!f.webhook) {
        co_return out;
    }
    const webhook::Config& wc = *f.webhook;
    auto secret = co_await fetch_secret(ts, key, f.name, f.namespace_);
    if (!secret) {
        ts.shared.log->warn("webhook secret unavailable fn={} call_id={} secret={} error=\"{}\"",
                            key, call_id, wc.secret_name, secret.error().what());
        ts.metrics.webhook_rejected(key, "secret");
        const int status = secret.error().code == errc::not_found ? 500 : 502;
        out.answer = http::text_error(status, "webhook verification of " + key +
                                                  " is not possible: " + secret.error().what());
        co_return out;
    }
    const webhook::Verdict verdict =
        webhook::verify(wc, headers, body, *secret, std::chrono::system_clock::now());
    if (const auto* rejected = std::get_if<webhook::Rejected>(&verdict)) {
        ts.metrics.webhook_rejected(key, webhook::reason_name(rejected->reason));
        ts.shared.log->debug("webhook rejected fn={} call_id={} scheme={} reason={} message=\"{}\"",
                             key, call_id, webhook::scheme_name(wc.scheme),
                             webhook::reason_name(rejected->reason), rejected->message);
        out.answer = webhook::rejection_response(*rejected);
        co_return out;
    }
    if (const auto* challenge = std::get_if<webhook::Challenge>(&verdict)) {
        ts.shared.log->debug("webhook challenge answered fn={} call_id={}", key, call_id);
        out.answer = webhook::challenge_response(*challenge);
        co_return out;
    }
    out.idempotency_key = std::get<webhook::Verified>(verdict).idempotency_key;
    co_return out;
}

}  // namespace faas::gateway
