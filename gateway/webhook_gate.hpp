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
#include "core/async/async_event.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"
#include "gateway/snapshot.hpp"

namespace faas::gateway {

struct ThreadState;

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

// One provider read of a secret on an I/O thread that other requests of that thread for the
// same function wait for (ThreadState::secret_reads), instead of each reading it too.
struct SecretRead {
    explicit SecretRead(const asio::any_io_executor& ex) : done(ex) {}
    async::AsyncEvent done;
    std::optional<Result<std::string>> result;
};

struct WebhookOutcome {
    // Set when the caller must answer this and stop: rejected (401/400), a Slack challenge
    // (200), or the verification could not run (bad annotations, no secret: 500/502).
    std::optional<http::Response> answer;
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
