#include "tests/support/callback_receiver.hpp"

#include <algorithm>

#include "tests/support/reply.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

SeenRequest seen_of(const http::Exchange& ex, const Result<std::string>& body) {
    SeenRequest seen;
    seen.target = std::string(ex.target());
    for (const auto& h : ex.headers()) {
        seen.headers.add(h.name, h.value);
    }
    seen.body = body ? body.value() : "";
    seen.at = std::chrono::steady_clock::now();
    return seen;
}

CallbackReceiver::CallbackReceiver()
    : state_(std::make_shared<State>()),
      server_(std::make_unique<TestServer>(
          same_handler([state = state_](http::Exchange& ex) -> awaitable<void> {
              auto body = co_await ex.read_body(16U << 20U);
              {
                  const std::lock_guard lock(state->mu);
                  state->received.push_back(seen_of(ex, body));
              }
              if (const std::chrono::milliseconds delay(state->delay_ms.load());
                  delay.count() > 0) {
                  asio::steady_timer timer(co_await asio::this_coro::executor);
                  timer.expires_after(delay);
                  boost::system::error_code ec;
                  co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
              }
              co_await reply(ex, 200, "ok");
          }))) {}

std::string CallbackReceiver::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::vector<SeenRequest> CallbackReceiver::received() const {
    const std::lock_guard lock(state_->mu);
    return state_->received;
}

std::size_t CallbackReceiver::count() const {
    const std::lock_guard lock(state_->mu);
    return state_->received.size();
}

std::vector<SeenRequest> CallbackReceiver::for_call(const std::string& call_id) const {
    std::vector<SeenRequest> out;
    for (auto& r : received()) {
        if (r.headers.get("X-Call-Id").value_or("") == call_id) {
            out.push_back(std::move(r));
        }
    }
    return out;
}

std::map<std::string, int> CallbackReceiver::call_ids_with_status(const std::string& status) const {
    std::map<std::string, int> out;
    for (const auto& r : received()) {
        if (r.headers.get("X-Function-Status").value_or("") == status) {
            ++out[std::string(r.headers.get("X-Call-Id").value_or(""))];
        }
    }
    return out;
}

bool CallbackReceiver::wait_all(const std::vector<std::string>& ids,
                                const std::string& status,
                                std::chrono::nanoseconds bound) const {
    return wait_until(
        [&] {
            const auto got = call_ids_with_status(status);
            return std::all_of(ids.begin(), ids.end(),
                               [&](const std::string& id) { return got.count(id) != 0; });
        },
        bound, std::chrono::milliseconds(100));
}

}  // namespace faas::test
