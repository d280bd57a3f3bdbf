// /system/logs (docs/wire-contract.md §1.8): streamed from logs_provider_url with a flush after
// every write. The provider's status is mapped (404/501 -> 501, other non-200 -> 500), so the
// relay goes through an Exchange adapter that only lets a 200 through to the caller.
#include <string>

#include "core/http/respond.hpp"
#include "gateway/context.hpp"
#include "gateway/system_routes.hpp"

namespace faas::gateway {

namespace {

// Presents the caller's exchange to ClientPool::forward: the request side is the caller's; the
// response side passes a 200 through (as a stream) and swallows anything else, remembering its
// status for the mapping.
class LogsExchange final : public http::Exchange {
public:
    explicit LogsExchange(http::Exchange& inner) : in_(inner) {}

    std::string_view method() const override { return in_.method(); }
    std::string_view target() const override { return in_.target(); }
    std::optional<std::string_view> header(std::string_view name) const override {
        return in_.header(name);
    }
    const http::Headers& headers() const override { return in_.headers(); }
    std::optional<std::uint64_t> content_length() const override { return in_.content_length(); }
    bool chunked() const override { return in_.chunked(); }
    unsigned version() const override { return in_.version(); }
    const std::string& remote_address() const override { return in_.remote_address(); }
    awaitable<Result<std::string>> read_body(std::size_t limit) override {
        co_return co_await in_.read_body(limit);
    }
    awaitable<Result<std::size_t>> read_some(std::span<char> buf) override {
        co_return co_await in_.read_some(buf);
    }
    bool body_done() const override { return in_.body_done(); }

    awaitable<Status> respond(http::Response response) override {
        started_ = true;
        status_ = response.status;
        if (response.status != 200) {
            finished_ = true;
            co_return Status{};
        }
        passing_ = true;
        response.headers = stream_headers();
        auto st = co_await in_.respond(std::move(response));
        finished_ = st.ok();
        co_return st;
    }
    awaitable<Status> begin_response(int status, const http::Headers& /*headers*/,
                                     std::optional<std::uint64_t> length) override {
        started_ = true;
        status_ = status;
        if (status != 200) {
            co_return Status{};
        }
        passing_ = true;
        const http::Headers h = stream_headers();
        co_return co_await in_.begin_response(200, h, length);
    }
    awaitable<Status> write_body(std::string_view data) override {
        if (!passing_) {
            co_return Status{};
        }
        co_return co_await in_.write_body(data);
    }
    awaitable<Status> end_response() override {
        finished_ = true;
        if (!passing_) {
            co_return Status{};
        }
        co_return co_await in_.end_response();
    }
    bool response_started() const override { return started_; }
    bool response_finished() const override { return finished_; }
    int response_status() const override { return status_; }
    void close_connection() override { in_.close_connection(); }
    void abort() override { in_.abort(); }

    bool passing() const { return passing_; }

private:
    static http::Headers stream_headers() {
        http::Headers h;
        h.set("Content-Type", "application/x-ndjson");
        h.set("Cache-Control", "no-cache");
        return h;
    }

    http::Exchange& in_;
    bool started_ = false;
    bool finished_ = false;
    bool passing_ = false;
    int status_ = 0;
};

}  // namespace

awaitable<void> handle_logs(ThreadState& ts, http::Exchange& ex) {
    const Shared& sh = ts.shared;
    LogsExchange adapter(ex);
    http::ForwardOptions opts;
    opts.timeout = sh.config.write_timeout;
    // Streamed straight through: a follow=true stream must reach the caller line by line.
    opts.buffer_limit = 0;
    auto r = co_await ts.provider.relay_logs(adapter, std::move(opts));
    if (adapter.passing()) {
        co_return;  // relayed (or cut, in which case the connection is closed already)
    }
    http::Response res;
    if (!r && !adapter.response_started()) {
        sh.log->warn("log request failed provider={} error=\"{}\"", sh.provider.logs.key(),
                     r.error().what());
        res = http::error_response(make_error(errc::internal, "log request failed"));
    } else if (adapter.response_status() == 404 || adapter.response_status() == 501) {
        res.status = 501;
    } else {
        const std::string message = "unknown log request error (" +
                                    std::to_string(adapter.response_status()) + ")";
        res = http::error_response(make_error(errc::internal, message));
    }
    co_await http::send(ex, std::move(res));
}

}  // namespace faas::gateway
