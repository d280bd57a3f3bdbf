#include "tests/integration/gateway/async_fixture.hpp"

#include <algorithm>
#include <thread>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/openfaas/types.hpp"
#include "tests/integration/nats/jetstream_fixture.hpp"

namespace faas::test {

openfaas::QueueRequest Stored::request() const {
    auto r = openfaas::decode_queue_request(data, "openfaas-fn");
    REQUIRE_MESSAGE(r.ok(), "not a QueueRequest: " << (r.ok() ? "" : r.error().what()) << "\n"
                                                   << data);
    return std::move(r).value();
}

EnvMap async_env(const NatsServer& nats, EnvMap extra) {
    EnvMap env{{"faas_nats_address", "127.0.0.1"},
               {"faas_nats_port", std::to_string(nats.port())},
               {"callback_allow_hosts", "127.0.0.1"}};
    for (auto& [k, v] : extra) {
        env[k] = v;
    }
    return env;
}

const openfaas::async::StreamSettings& AsyncPlatform::streams() {
    static const openfaas::async::StreamSettings s = openfaas::async::load_stream_settings(
        config::Env([](std::string_view) { return std::optional<std::string>(); }));
    return s;
}

AsyncPlatform::AsyncPlatform(EnvMap gateway_env)
    : provider(), gateway(provider.port(), async_env(nats, std::move(gateway_env))) {
    if (!gateway.process().wait_for_stderr("async calls ready")) {
        FAIL("the gateway did not connect to NATS; log:\n" << gateway.log());
    }
    nats::ConnectOptions o;
    o.urls = {nats.url()};
    o.name = "faas-test";
    auto js = nats::JetStream::connect(o);
    REQUIRE_MESSAGE(js.ok(), (js.ok() ? std::string() : js.error().what()));
    js_ = std::move(js).value();
}

AsyncPlatform::~AsyncPlatform() {
    js_.reset();
}

void AsyncPlatform::deploy(const std::string& name, const std::string& annotations) {
    const std::string extra = annotations.empty() ? "" : "\"annotations\":" + annotations;
    REQUIRE(provider.deploy(Provider::deployment(name, "cat", extra)) == 202);
    provider.wait_ready(name, 1);
}

void AsyncPlatform::create_secret(const std::string& name, const std::string& value) {
    json::Writer w;
    w.begin_object().key("name").value(name).key("value").value(value).end_object();
    auto r = provider.call("POST", "/system/secrets", std::move(w).str());
    REQUIRE(r.ok());
    REQUIRE(r->status == 202);
}

std::vector<Stored> AsyncPlatform::read_requests(std::size_t n, std::chrono::milliseconds wait) {
    // Read by sequence and left in place (a queued call's status is its request): a consumer
    // of "faas-request.>" would overlap the queues' own consumers, which a WorkQueue stream
    // refuses.
    const std::string stream = streams().request_stream;
    std::vector<Stored> out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.size() < n) {
        const std::size_t before = out.size();
        auto state = js_->stream_state(stream);
        REQUIRE_MESSAGE(state.ok(), (state.ok() ? std::string() : state.error().what()));
        for (auto seq = std::max(next_seq_, state->first_sequence);
             seq <= state->last_sequence && out.size() < n; ++seq) {
            next_seq_ = seq + 1;
            auto m = js_->get_message(stream, seq);
            REQUIRE_MESSAGE(m.ok(), (m.ok() ? std::string() : m.error().what()));
            if (!m.value()) {
                continue;  // deleted, or acknowledged by a consumer
            }
            out.push_back({m.value()->subject, m.value()->headers, m.value()->data});
        }
        if (out.size() > before) {
            deadline = std::chrono::steady_clock::now() + wait;  // until none came for `wait`
        }
        if (out.size() >= n || std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return out;
}

void AsyncPlatform::publish_record(const std::string& call_id,
                                   openfaas::CallState state,
                                   std::uint32_t attempt,
                                   int status_code) {
    openfaas::CallStatus record;
    record.call_id = call_id;
    record.function = "echo.openfaas-fn";
    record.queue = "default";
    record.state = state;
    record.status_code = status_code;
    record.attempt = attempt;
    record.enqueued_at = openfaas::rfc3339_now();
    record.updated_at = record.enqueued_at;
    auto published = run_for(io_, js_->publish(openfaas::async::status_subject(streams(), call_id),
                                               {}, openfaas::to_json(record)));
    REQUIRE_MESSAGE(published.ok(), (published.ok() ? std::string() : published.error().what()));
}

std::uint64_t AsyncPlatform::publish_dead_letter(const openfaas::QueueRequest& request,
                                                 int status,
                                                 int attempts,
                                                 const std::string& reason) {
    namespace oa = openfaas::async;
    auto ensured = js_->ensure_stream(oa::dead_letter_stream_spec(streams()));
    REQUIRE_MESSAGE(ensured.ok(), (ensured.ok() ? std::string() : ensured.error().what()));
    openfaas::QueueRequest dead = request;
    dead.attempt = static_cast<std::uint32_t>(attempts);
    oa::DeadLetterHeaders meta;
    meta.reason = reason;
    meta.status_code = status;
    meta.attempts = static_cast<std::uint64_t>(attempts);
    meta.dead_lettered_at = openfaas::rfc3339_now();
    nats::Headers h = oa::dead_letter_headers(meta);
    const std::string subject =
        oa::dead_letter_subject(streams(), oa::queue_or_default(request.queue));
    auto ack = run_for(io_, js_->publish(subject, std::move(h), openfaas::encode(dead)));
    REQUIRE_MESSAGE(ack.ok(), (ack.ok() ? std::string() : ack.error().what()));
    return ack->sequence;
}

Result<http::Response> post_async(Gateway& g,
                                  const std::string& target,
                                  std::string body,
                                  http::Headers headers) {
    return g.call("POST", target, std::move(body), std::move(headers));
}

}  // namespace faas::test
