#include "gateway/webhook_gate.hpp"

#include <memory>

#include "core/http/respond.hpp"
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

// Ends a read on this thread however read_secret returns: waiters get its result (or an error
// when it threw) and the next miss starts a new read.
class WebhookGate::ReadGuard {
public:
    ReadGuard(WebhookGate& gate, std::string key, std::shared_ptr<Read> read)
        : gate_(gate), key_(std::move(key)), read_(std::move(read)) {}
    ReadGuard(const ReadGuard&) = delete;
    ReadGuard& operator=(const ReadGuard&) = delete;
    // What can throw here is Asio's timer cancel (only when the reactor itself fails) and the
    // error message's allocation: std::terminate then, as from any destructor, is the right end.
    // NOLINTNEXTLINE(bugprone-exception-escape)
    ~ReadGuard() {
        gate_.reads_.erase(key_);
        if (!read_->result) {
            read_->result = make_error(errc::internal, "reading the webhook secret failed");
        }
        read_->done.notify();
    }

private:
    WebhookGate& gate_;
    std::string key_;
    std::shared_ptr<Read> read_;
};

awaitable<Result<std::string>> WebhookGate::read_secret(const std::string& key,
                                                        const FunctionEntry& f) {
    std::string target = "/system/function-webhook-secret/" + f.name + "?namespace=" + f.namespace_;
    auto r = co_await provider_.get(std::move(target), std::chrono::seconds(5));
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

awaitable<Result<std::string>> WebhookGate::fetch_secret(const std::string& key,
                                                         const FunctionEntry& f) {
    if (auto cached = secrets_.get(key)) {
        co_return std::move(*cached);
    }
    if (auto it = reads_.find(key); it != reads_.end()) {
        const std::shared_ptr<Read> read = it->second;
        co_await read->done.wait();
        co_return *read->result;
    }
    auto read = std::make_shared<Read>(ex_);
    reads_.emplace(key, read);
    const ReadGuard guard(*this, key, read);
    Result<std::string> r = co_await read_secret(key, f);
    secrets_.put(key, r);
    read->result = r;
    co_return r;
}

WebhookOutcome WebhookGate::unavailable(const std::string& key,
                                        const webhook::Config& wc,
                                        const Error& e,
                                        const std::string& call_id) {
    log_->warn("webhook secret unavailable fn={} call_id={} secret={} error=\"{}\"", key, call_id,
               wc.secret_name, e.what());
    metrics_.webhook_rejected(key, "secret");
    // No such secret is the function's misconfiguration; a provider that cannot answer, its own.
    const errc code = e.code == errc::not_found ? errc::internal : errc::upstream_failed;
    WebhookOutcome out;
    out.answer = http::error_response(
        make_error(code, "webhook verification of " + key + " is not possible: " + e.what()));
    return out;
}

awaitable<WebhookOutcome> WebhookGate::check(const std::string& key,
                                             const FunctionEntry& f,
                                             const http::Headers& headers,
                                             std::string_view body,
                                             const std::string& call_id) {
    WebhookOutcome out;
    if (!f.webhook_error.empty()) {
        // Refused rather than let through: the function asked for verification.
        log_->warn("webhook misconfigured fn={} call_id={} error=\"{}\"", key, call_id,
                   f.webhook_error);
        metrics_.webhook_rejected(key, "config");
        out.answer = http::error_response(
            make_error(errc::internal,
                       "function " + key + " has bad webhook annotations: " + f.webhook_error));
        co_return out;
    }
    if (!f.webhook) {
        co_return out;
    }
    const webhook::Config& wc = *f.webhook;
    auto secret = co_await fetch_secret(key, f);
    if (!secret) {
        co_return unavailable(key, wc, secret.error(), call_id);
    }
    const webhook::Verdict verdict =
        webhook::verify(wc, headers, body, *secret, std::chrono::system_clock::now());
    if (const auto* rejected = std::get_if<webhook::Rejected>(&verdict)) {
        metrics_.webhook_rejected(key, webhook::reason_name(rejected->reason));
        log_->debug("webhook rejected fn={} call_id={} scheme={} reason={} message=\"{}\"", key,
                    call_id, webhook::scheme_name(wc.scheme),
                    webhook::reason_name(rejected->reason), rejected->message);
        out.answer = webhook::rejection_response(*rejected);
        co_return out;
    }
    if (const auto* challenge = std::get_if<webhook::Challenge>(&verdict)) {
        log_->debug("webhook challenge answered fn={} call_id={}", key, call_id);
        out.answer = webhook::challenge_response(*challenge);
        co_return out;
    }
    out.idempotency_key = std::get<webhook::Verified>(verdict).idempotency_key;
    co_return out;
}

}  // namespace faas::gateway
