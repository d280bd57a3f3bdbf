#pragma once
// Webhook verification at the gateway's door (docs/async.md): a function annotated with
// com.faas.webhook has every request checked, on the async routes before anything is queued and
// on the sync route before the call is relayed. The signing secret comes from the provider
// (GET /system/function-webhook-secret/<fn>, our route) and is cached for 10 s per function.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/asio.hpp"
#include "core/http/types.hpp"
#include "gateway/snapshot.hpp"

namespace faas::gateway {

struct ThreadState;

// Secrets by "name.namespace", shared by the I/O threads (a small lock).
class WebhookSecrets {
public:
    static constexpr std::chrono::seconds kLifetime{10};
    std::optional<std::string> get(const std::string& function);
    void put(const std::string& function, std::string secret);

private:
    struct Entry {
        std::string secret;
        std::chrono::steady_clock::time_point at;
    };
    std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;
};

struct WebhookOutcome {
    // Set when the caller must answer this and stop: rejected (401/400), a Slack challenge
    // (200), or the verification could not run (bad annotations, no secret: 500/502).
    std::optional<http::Response> answer;
    bool challenge = false;
    // The sender's delivery id when verified (GitHub X-GitHub-Delivery, Slack event_id).
    std::string idempotency_key;
};

// Checks a request's `headers` and whole `body` against the webhook configuration of `f`, the
// function `key` ("name.namespace"). Callers skip it when !f.verifies_webhook(); it then returns
// an empty outcome.
awaitable<WebhookOutcome> check_webhook(ThreadState& ts,
                                        const std::string& key,
                                        const FunctionEntry& f,
                                        const http::Headers& headers,
                                        std::string_view body,
                                        const std::string& call_id);

}  // namespace faas::gateway
