#include "tests/integration/queue_worker/worker_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <future>

#include <doctest/doctest.h>

#include "core/openfaas/types.hpp"
#include "core/text/text.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/reply.hpp"

#ifndef FAAS_BIN_DIR
#error "FAAS_BIN_DIR must name the directory holding queue-worker"
#endif

namespace faas::test {

namespace {

std::string worker_path() {
    const std::string path = std::string(FAAS_BIN_DIR) + "/queue-worker";
    if (!std::filesystem::exists(path)) {
        FAIL("queue-worker is not built: " << path << " is missing");
    }
    return path;
}

std::uint16_t number_after(const std::string& text, const std::string& key) {
    const auto at = text.find(key);
    if (at == std::string::npos) {
        return 0;
    }
    return static_cast<std::uint16_t>(std::stoul(text.substr(at + key.size())));
}

awaitable<bool> publish_one(nats::JetStream& js, std::string subject, std::string body) {
    nats::Headers headers;
    auto publishing = js.publish(std::move(subject), std::move(headers), std::move(body));
    auto acked = co_await std::move(publishing);
    co_return acked.ok();
}

// Publishes every (subject, body) at once and waits for all acks; returns how many were
// acknowledged.
awaitable<int> publish_all(nats::JetStream& js,
                           std::vector<std::pair<std::string, std::string>> messages) {
    auto ex = co_await asio::this_coro::executor;
    auto acked = std::make_shared<int>(0);
    auto left = std::make_shared<std::size_t>(messages.size());
    asio::steady_timer done(ex);
    done.expires_at(asio::steady_timer::time_point::max());
    for (auto& [subject, body] : messages) {
        asio::co_spawn(ex, publish_one(js, std::move(subject), std::move(body)),
                       [acked, left, &done](std::exception_ptr, bool ok) {
                           *acked += ok ? 1 : 0;
                           if (--*left == 0) {
                               done.cancel();
                           }
                       });
    }
    while (*left > 0) {
        boost::system::error_code ec;
        co_await done.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    co_return *acked;
}

// What a server was sent, as the tests read it.
std::string function_of(std::string_view target) {
    constexpr std::string_view kPrefix = "/function/";
    if (target.substr(0, kPrefix.size()) != kPrefix) {
        return {};
    }
    target.remove_prefix(kPrefix.size());
    return std::string(target.substr(0, target.find_first_of("/?")));
}

}  // namespace

std::vector<std::string> values(const http::Headers& headers, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& h : headers) {
        if (text::iequals(h.name, name)) {
            out.push_back(h.value);
        }
    }
    return out;
}

FakeGateway::FakeGateway()
    : server_(std::make_unique<TestServer>(
          same_handler([this](http::Exchange& ex) { return serve(ex); }),
          http::ServerOptions{},
          2)) {}

void FakeGateway::script(const std::string& fn, Script s) {
    std::lock_guard lock(mu_);
    functions_[fn].script = std::move(s);
}

std::vector<Seen> FakeGateway::calls(const std::string& fn) {
    std::lock_guard lock(mu_);
    return functions_[fn].calls;
}

std::size_t FakeGateway::count(const std::string& fn) {
    std::lock_guard lock(mu_);
    return functions_[fn].calls.size();
}

int FakeGateway::max_running(const std::string& fn) {
    std::lock_guard lock(mu_);
    return functions_[fn].max_running;
}

awaitable<void> FakeGateway::serve(http::Exchange& ex) {
    auto body = co_await ex.read_body(8U << 20U);
    const std::string fn = function_of(ex.target());
    Reply reply;
    {
        std::lock_guard lock(mu_);
        Function& f = functions_[fn];
        f.calls.push_back(seen_of(ex, body));
        f.running += 1;
        f.max_running = std::max(f.max_running, f.running);
        if (f.script) {
            reply = f.script(static_cast<int>(f.calls.size()));
        }
    }
    if (reply.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(reply.delay);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    {
        std::lock_guard lock(mu_);
        functions_[fn].running -= 1;
    }
    co_await faas::test::reply(ex, reply.status, std::move(reply.body), std::move(reply.headers));
}

WorkerFixture::WorkerFixture(EnvMap env) : env_(std::move(env)) {
    nats::ConnectOptions options;
    options.urls = {nats.url()};
    options.name = "faas-test";
    auto js = nats::JetStream::connect(options);
    REQUIRE_MESSAGE(js.ok(), (js.ok() ? std::string() : js.error().what()));
    js_ = std::move(js).value();
    for (const auto& spec : {openfaas::async::request_stream_spec(streams),
                             openfaas::async::dead_letter_stream_spec(streams),
                             openfaas::async::status_stream_spec(streams)}) {
        auto ok = js_->ensure_stream(spec);
        REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? std::string() : ok.error().what()));
    }
    start_worker();
}

WorkerFixture::~WorkerFixture() {
    if (worker_) {
        worker_->kill_tree();
    }
}

void WorkerFixture::start_worker() {
    ++runs_;
    EnvMap full = base_env();
    full["faas_nats_address"] = "127.0.0.1";
    full["faas_nats_port"] = std::to_string(nats.port());
    full["faas_gateway_address"] = "127.0.0.1";
    full["faas_gateway_port"] = std::to_string(gateway.port());
    full["metrics_port"] = "0";
    full["callback_allow_hosts"] = "127.0.0.1";
    full["callback_secret_file"] = dir_.write("callback-secret", kCallbackSecret).string();
    full["initial_retry_wait"] = "20ms";
    full["max_retry_wait"] = "100ms";
    full["callback_initial_wait"] = "20ms";
    full["log_level"] = "debug";
    for (auto& [k, v] : env_) {
        full[k] = v;
    }
    ProcessOptions options;
    options.argv = {worker_path()};
    options.env = std::move(full);
    options.stderr_path = dir_.file("worker-" + std::to_string(runs_) + ".stderr");
    worker_ = std::make_unique<Process>(std::move(options));
    if (!worker_->wait_for_stderr("listening port=")) {
        FAIL("queue-worker did not start; log:\n" << worker_log());
    }
    const std::string text = worker_log();
    metrics_port_ = number_after(text, "listening port=");
    REQUIRE_MESSAGE(metrics_port_ != 0, "no port in: " << text);
}

void WorkerFixture::kill_worker() {
    worker_->signal(SIGKILL);
    REQUIRE(worker_->wait_exit().has_value());
}

std::string WorkerFixture::worker_log() const {
    return worker_ ? worker_->stderr_text() : std::string();
}

std::string WorkerFixture::metrics() {
    auto r = http_get(metrics_port_, "/metrics");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().what()));
    return r->body;
}

openfaas::QueueRequest WorkerFixture::request_of(const Enqueue& e) const {
    openfaas::QueueRequest r;
    r.function = e.function;
    r.namespace_ = e.namespace_;
    r.queue = e.queue;
    r.path = e.path;
    r.query = e.query;
    r.body = e.body;
    r.headers = e.headers;
    r.annotations = e.annotations;
    r.host = "gateway:8080";
    r.enqueued_at = e.enqueued_at.empty() ? openfaas::rfc3339_now() : e.enqueued_at;
    return r;
}

std::string WorkerFixture::enqueue(const Enqueue& e) {
    auto ids = enqueue_many(e, 1);
    return ids.front();
}

std::vector<std::string> WorkerFixture::enqueue_many(const Enqueue& e, int n) {
    std::vector<std::string> ids;
    std::vector<std::pair<std::string, std::string>> calls;  // (call id, body)
    static std::atomic<int> serial{0};
    for (int i = 0; i < n; ++i) {
        openfaas::QueueRequest r = request_of(e);
        r.call_id = "call-" + std::to_string(nats.port()) + "-" + std::to_string(++serial);
        r.headers.set("X-Call-Id", r.call_id);
        if (e.callback) {
            r.callback_url = receiver.url();
            r.headers.set("X-Callback-Url", r.callback_url);
        }
        ids.push_back(r.call_id);
        calls.emplace_back(r.call_id, openfaas::encode(r));
    }
    REQUIRE(publish(e.queue, std::move(calls)) == n);
    return ids;
}

int WorkerFixture::publish(const std::string& queue,
                           std::vector<std::pair<std::string, std::string>> calls) {
    namespace oa = openfaas::async;
    const std::string name = oa::queue_or_default(queue);
    // As the gateway does before a queue's first call: the consumer workers discover.
    const Status declared = js_->ensure_consumer(oa::queue_consumer_spec(streams, name));
    REQUIRE_MESSAGE(declared.ok(), (declared.ok() ? std::string() : declared.error().what()));
    std::vector<std::pair<std::string, std::string>> messages;
    for (auto& [id, body] : calls) {
        messages.emplace_back(oa::request_subject(streams, name, id), std::move(body));
    }
    return send(std::move(messages));
}

int WorkerFixture::send(std::vector<std::pair<std::string, std::string>> messages) {
    asio::io_context io;
    nats::JetStream& js = *js_;
    return run_sync(io,
                    [&js, &messages] { return publish_all(js, std::move(messages)); });
}

void WorkerFixture::publish_raw(const std::string& queue, std::string data) {
    static std::atomic<int> serial{0};
    std::vector<std::pair<std::string, std::string>> calls;
    calls.emplace_back("raw-" + std::to_string(++serial), std::move(data));
    REQUIRE(publish(queue, std::move(calls)) == 1);
}

std::optional<openfaas::CallStatus> WorkerFixture::status(const std::string& call_id) {
    auto last = js_->last_message("KV_" + streams.status_bucket,
                                  openfaas::async::status_subject(streams, call_id));
    REQUIRE_MESSAGE(last.ok(), (last.ok() ? std::string() : last.error().what()));
    if (!last.value()) {
        return std::nullopt;
    }
    auto parsed = openfaas::parse_call_status(last.value()->data);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? std::string() : parsed.error().what()));
    return parsed.value();
}

bool WorkerFixture::wait_status(const std::string& call_id,
                                openfaas::CallState state,
                                std::chrono::nanoseconds bound) {
    std::optional<openfaas::CallStatus> last;
    const bool reached = wait_until(
        [&] {
            last = status(call_id);
            return last && last->state == state;
        },
        bound, std::chrono::milliseconds(20));
    if (!reached) {
        FAIL_CHECK("call " << call_id << " never became " << openfaas::state_name(state)
                           << "; last record: "
                           << (last ? openfaas::to_json(*last) : std::string("none"))
                           << "\nworker log:\n"
                           << worker_log());
    }
    return reached;
}

std::vector<nats::StoredMessage> WorkerFixture::dead_letters() {
    std::vector<nats::StoredMessage> out;
    auto state = js_->stream_state(streams.dead_letter_stream);
    REQUIRE_MESSAGE(state.ok(), (state.ok() ? std::string() : state.error().what()));
    if (state->messages == 0) {
        return out;
    }
    for (auto seq = state->first_sequence; seq <= state->last_sequence; ++seq) {
        auto m = js_->get_message(streams.dead_letter_stream, seq);
        REQUIRE(m.ok());
        if (m.value()) {
            out.push_back(std::move(*m.value()));
        }
    }
    return out;
}

std::uint64_t WorkerFixture::queued() {
    auto state = js_->stream_state(streams.request_stream);
    REQUIRE_MESSAGE(state.ok(), (state.ok() ? std::string() : state.error().what()));
    return state->messages;
}

}  // namespace faas::test
