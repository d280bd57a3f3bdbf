#pragma once
// Webhook verification at the gateway's door (docs/async.md): a function annotated with
// com.faas.webhook has every request checked, on the async routes before anything is queued and
// on the sync route before the call is relayed. The signing secret comes from the provider
// (GET /system/function-webhook-secret/<fn>, our route) and is cached for 10 s per function.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "core/http/types.hpp"
#include "core/log/log.hpp"
#include "core/result.hpp"
#include "gateway/metrics.hpp"
#include "gateway/provider_link.hpp"
#include "gateway/snapshot.hpp"

namespace faas::gateway {

// Secrets by "name.namespace", shared by the I/O threads (a small lock). A secret the provider
// does not have (errc::not_found) is remembered for as long as one it has, so a misconfigured
// function does not cost a provider call per request.
class WebhookSecrets {
public:
    static constexpr std::chrono::seconds kLifetime{10};
    // The bytes or the not_found error read within kLifetime; nullopt when none was.
    std::optional<Result<std::string>> get(const std::string& function);
    // Keeps `secret` when it is bytes or a not_found error; other errors are not kept.
    void put(const std::string& function, const Result<std::string>& secret);

private:
    struct Entry {
        Result<std::string> secret;
        std::chrono::steady_clock::time_point at;
    };
    std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;
};

struct WebhookOutcome {
    // Set when the caller must answer this and stop: rejected (401/400), a Slack challenge
    // (200), or the verification could not run (bad annotations, no secret: 500/502).
    std::optional<http::Response> answer;
    // The sender's delivery id when verified (GitHub X-GitHub-Delivery, Slack event_id).
    std::string idempotency_key;
};

// One I/O thread's webhook check: the secrets it reads from the provider go into the shared
// cache, and a read in flight is awaited by the thread's other requests for the same function
// instead of each reading it too. Never crosses threads.
class WebhookGate {
public:
    WebhookGate(WebhookSecrets& secrets,
                ProviderClient& provider,
                CallMetrics& metrics,
                log::Logger log,
                asio::any_io_executor ex)
        : secrets_(secrets),
          provider_(provider),
          metrics_(metrics),
          log_(std::move(log)),
          ex_(std::move(ex)) {}

    // Checks a request's `headers` and whole `body` against the webhook configuration of `f`,
    // the function `key` ("name.namespace"). Callers skip it when !f.verifies_webhook(); it
    // then returns an empty outcome.
    awaitable<WebhookOutcome> check(const std::string& key,
                                    const FunctionEntry& f,
                                    const http::Headers& headers,
                                    std::string_view body,
                                    const std::string& call_id);

private:
    // One provider read of a secret that other requests for the same function wait for.
    struct Read {
        explicit Read(const asio::any_io_executor& ex) : done(ex) {}
        async::AsyncEvent done;
        std::optional<Result<std::string>> result;
    };
    class ReadGuard;
    // The secret from the cache, from a read in flight on this thread, or read now.
    awaitable<Result<std::string>> fetch_secret(const std::string& key, const FunctionEntry& f);
    // The secret's bytes from the provider; an error when it cannot be had.
    awaitable<Result<std::string>> read_secret(const std::string& key, const FunctionEntry& f);
    // The answer to a request whose secret could not be had.
    WebhookOutcome unavailable(const std::string& key,
                               const webhook::Config& wc,
                               const Error& e,
                               const std::string& call_id);

    WebhookSecrets& secrets_;
    ProviderClient& provider_;
    CallMetrics& metrics_;
    log::Logger log_;
    asio::any_io_executor ex_;
    // Secrets being read from the provider by this thread, by "name.namespace".
    std::unordered_map<std::string, std::shared_ptr<Read>> reads_;
};

}  // namespace faas::gateway
