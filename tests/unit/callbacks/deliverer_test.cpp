// callbacks/deliverer: the callback POST against a real loopback receiver: the URL policy on
// resolved addresses, the signature, retries with backoff, and giving up.
#include "callbacks/deliverer.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/reply.hpp"
#include "tests/support/test_server.hpp"

namespace callbacks = faas::callbacks;
namespace http = faas::http;
using faas::awaitable;
using namespace std::chrono_literals;

namespace {

// A receiver that answers the scripted statuses in turn (the last one from then on) and keeps
// what it was sent.
struct Receiver {
    explicit Receiver(std::vector<int> statuses)
        : script(std::move(statuses)),
          server(faas::test::same_handler([this](http::Exchange& ex) { return serve(ex); })) {}

    awaitable<void> serve(http::Exchange& ex) {
        auto body = co_await ex.read_body(1U << 20U);
        int status = 0;
        {
            std::lock_guard lock(mu);
            Seen s;
            s.target = std::string(ex.target());
            s.host = std::string(ex.header("Host").value_or(""));
            s.signature = std::string(ex.header("X-Faas-Signature").value_or(""));
            s.function_status = std::string(ex.header("X-Function-Status").value_or(""));
            s.body = body ? *body : "";
            seen.push_back(std::move(s));
            status = script[std::min(seen.size(), script.size()) - 1];
        }
        co_await faas::test::reply(ex, status, "");
    }

    std::size_t count() {
        std::lock_guard lock(mu);
        return seen.size();
    }

    struct Seen {
        std::string target, host, signature, function_status, body;
    };
    std::mutex mu;
    std::vector<Seen> seen;
    std::vector<int> script;
    faas::test::TestServer server;
};

callbacks::CallResult result() {
    callbacks::CallResult r;
    r.call_id = "call-1";
    r.function = "fn.ns";
    r.status = 200;
    r.body = "hello";
    r.headers.add("Content-Type", "text/plain");
    return r;
}

callbacks::UrlPolicy allow(std::string_view list) {
    auto p = callbacks::UrlPolicy::parse_allow_list(list);
    REQUIRE(p.ok());
    return p.value();
}

callbacks::Delivery deliver(callbacks::UrlPolicy policy,
                            std::string url,
                            int max_attempts = 3,
                            std::string secret = "") {
    asio::io_context io;
    http::ClientPool pool(io.get_executor());
    callbacks::DeliveryOptions options;
    options.backoff = faas::async::Backoff{1ms, 2ms, max_attempts};
    options.timeout = 5s;
    callbacks::Deliverer deliverer(pool, std::move(policy), std::move(secret), options, 42);
    auto done = asio::co_spawn(io, deliverer.deliver(std::move(url), result()), asio::use_future);
    const auto deadline = std::chrono::steady_clock::now() + faas::test::kMaxWait;
    while (done.wait_for(0s) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(50ms);
    }
    REQUIRE(done.wait_for(0s) == std::future_status::ready);
    return done.get();
}

std::string url_of(const Receiver& r, std::string_view host) {
    return "http://" + std::string(host) + ":" + std::to_string(r.server.port()) + "/done?x=1";
}

}  // namespace

TEST_SUITE_BEGIN("callbacks.deliverer");

TEST_CASE(
    "callback deliverer: a loopback receiver is refused unless allowed, and nothing is sent") {
    Receiver receiver({200});
    const auto d = deliver(callbacks::UrlPolicy{}, url_of(receiver, "127.0.0.1"));
    CHECK(d.result == callbacks::DeliveryResult::Refused);
    CHECK(d.attempts == 0);
    CHECK(receiver.count() == 0);
    // A host name that resolves to loopback is refused after resolution too.
    const auto named = deliver(allow("10.0.0.0/8"), url_of(receiver, "localhost"));
    CHECK(named.result == callbacks::DeliveryResult::Refused);
    CHECK(receiver.count() == 0);
}

TEST_CASE("callback deliverer: an allowed receiver gets the signed body with its own Host") {
    Receiver receiver({200});
    const auto d = deliver(allow("localhost"), url_of(receiver, "localhost"), 3, "secret");
    CHECK(d.result == callbacks::DeliveryResult::Delivered);
    CHECK(d.status == 200);
    CHECK(d.attempts == 1);
    REQUIRE(receiver.count() == 1);
    const auto& seen = receiver.seen.front();
    CHECK(seen.target == "/done?x=1");
    CHECK(seen.host == "localhost:" + std::to_string(receiver.server.port()));
    CHECK(seen.body == "hello");
    CHECK(seen.function_status == "200");
    CHECK(seen.signature == callbacks::signature("secret", "hello"));
}

TEST_CASE("callback deliverer: 503 twice then 200 is delivered on the third attempt") {
    Receiver receiver({503, 503, 200});
    const auto d = deliver(allow("127.0.0.1"), url_of(receiver, "127.0.0.1"));
    CHECK(d.result == callbacks::DeliveryResult::Delivered);
    CHECK(d.attempts == 3);
    CHECK(receiver.count() == 3);
}

TEST_CASE("callback deliverer: gives up after the last attempt, and at once on a 4xx") {
    Receiver failing({503});
    const auto d = deliver(allow("127.0.0.1"), url_of(failing, "127.0.0.1"), 2);
    CHECK(d.result == callbacks::DeliveryResult::Failed);
    CHECK(d.status == 503);
    CHECK(d.attempts == 2);
    CHECK(failing.count() == 2);

    Receiver rejecting({400});
    const auto r = deliver(allow("127.0.0.1"), url_of(rejecting, "127.0.0.1"));
    CHECK(r.result == callbacks::DeliveryResult::Failed);
    CHECK(r.status == 400);
    CHECK(rejecting.count() == 1);
}

TEST_CASE("callback deliverer: a receiver that is not listening fails after the attempts") {
    std::uint16_t port = 0;
    {
        Receiver gone({200});
        port = gone.server.port();
    }
    const auto d =
        deliver(allow("127.0.0.1"), "http://127.0.0.1:" + std::to_string(port) + "/x", 2);
    CHECK(d.result == callbacks::DeliveryResult::Failed);
    CHECK(d.status == 0);
    CHECK(d.attempts == 2);
    CHECK_FALSE(d.error.empty());
}
