#include "core/http/sync_client.hpp"

#include <string>

namespace faas::http {
namespace {

// A call has its own timeout; the bound adds slack for the client to report it.
constexpr auto kSlack = std::chrono::seconds(2);

std::chrono::nanoseconds bound_for(std::chrono::nanoseconds timeout) {
    return timeout >= kUnbounded - kSlack ? kUnbounded : timeout + kSlack;
}

}  // namespace

SyncClient::SyncClient(ClientOptions options) : pool_(io_.get_executor(), options) {}

SyncClient::~SyncClient() = default;

std::optional<Result<Response>> SyncClient::call_within(const Endpoint& endpoint,
                                                        Request req,
                                                        const CallOptions& options,
                                                        std::chrono::nanoseconds bound) {
    return run_for(
        io_,
        [this, endpoint, req = std::move(req), options]() mutable {
            return pool_.request(endpoint, std::move(req), options);
        },
        bound);
}

Result<Response> SyncClient::call(const Endpoint& endpoint,
                                  Request req,
                                  const CallOptions& options) {
    auto r = call_within(endpoint, std::move(req), options, bound_for(options.timeout));
    if (!r) {
        return make_error(errc::timeout, "calling " + endpoint.key() + ": no answer in time");
    }
    return std::move(*r);
}

Result<Response> SyncClient::stream(const Endpoint& endpoint,
                                    Request req,
                                    const StreamOptions& options,
                                    BodySink sink) {
    auto r = run_for(
        io_,
        [this, endpoint, req = std::move(req), options, sink = std::move(sink)]() mutable {
            return pool_.stream(endpoint, std::move(req), options, std::move(sink));
        },
        kUnbounded);
    // An unbounded run only returns once the coroutine finished.
    FAAS_ASSERT(r.has_value());
    return std::move(*r);
}

}  // namespace faas::http
