#pragma once
// The /system/* route table (docs/wire-contract.md §1.2), unit-tested, and the handlers that live
// in their own files.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"
#include "core/http/router.hpp"
#include "core/openfaas/types.hpp"
#include "core/result.hpp"

namespace faas::gateway {

struct ThreadState;

enum class SystemRoute {
    ListFunctions,  // GET /system/functions: proxied, then invocationCount added
    Proxy,          // pass-through to the provider
    Info,           // wrapped provider info
    Logs,           // streamed from logs_provider_url
    Alert,          // AlertManager webhook
    AsyncCall,      // GET /system/async-calls/<call-id>: a call's status record
    Queues,         // GET /system/queues
    DeadLetters,    // GET /system/async-dead-letters
    Redrive,        // POST /system/async-dead-letters/redrive
    MethodNotAllowed,
    NotFound,
};

// The /system/* route table (core/http/router). Built once per process at start, then only read
// (shared by the I/O threads).
class SystemRoutes {
public:
    SystemRoutes();
    SystemRoute classify(std::string_view path, std::string_view method) const;

private:
    http::Router<SystemRoute> router_;
};

// The replica count an AlertManager alert asks for (§1.10): firing -> current + ceil(max *
// factor / 100) capped at max; resolved -> min. Labels com.openfaas.scale.{min,max,factor},
// defaults 1, 20, 20 (a factor outside 1..100 falls back to 20).
std::uint64_t alert_target(const openfaas::StringMap& labels, std::uint64_t current, bool firing);

// Sends `res`, closing the connection when the request body was not read to its end.
awaitable<void> answer(http::Exchange& ex, http::Response res);
// The same with an error answer (status from `code`, faas::http_status), or a 200 with a JSON
// body (moved from `body`).
awaitable<void> answer_error(http::Exchange& ex, errc code, const std::string& message);
awaitable<void> answer_json(http::Exchange& ex, std::string& body);

awaitable<void> handle_logs(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_alert(ThreadState& ts, http::Exchange& ex);
// async_calls.cpp, async_system.cpp, async_dead_letters.cpp
awaitable<void> handle_async_call(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_queues(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_dead_letters(ThreadState& ts, http::Exchange& ex);
awaitable<void> handle_redrive(ThreadState& ts, http::Exchange& ex);

}  // namespace faas::gateway
