#pragma once
// ClientPool: an HTTP/1.1 client with keep-alive connection pooling for one io_context thread
// (pools are per thread, never shared). request() sends a buffered request; forward() relays a
// server Exchange to an upstream and streams the answer back, which is how the watchdog's http
// mode and the gateway reach a replica.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/asio.hpp"
#include "core/http/exchange.hpp"
#include "core/http/tls.hpp"
#include "core/http/types.hpp"
#include "core/result.hpp"

namespace faas::http {

struct Endpoint {
    Endpoint() = default;
    Endpoint(std::string host_name, std::uint16_t port_number, std::string socket_path = {})
        : host(std::move(host_name)), port(port_number), unix_path(std::move(socket_path)) {}

    std::string host;
    std::uint16_t port = 80;
    // When set, connect to this Unix domain socket instead of host:port (dockerd's API). The
    // Host header is then `host` ("localhost" when empty).
    std::string unix_path;
    // When set, speak HTTPS: TLS with this context over the TCP connection (not with
    // unix_path). Null: plain HTTP.
    std::shared_ptr<const TlsContext> tls;
    // Names the connection target in errors and keys the connection pool: "host:port",
    // "unix:/path", or "https://host:port#<context id>" (TLS and plain connections, and those of
    // different TLS contexts, never share a pooled connection).
    std::string key() const;
    std::string host_header() const {
        if (unix_path.empty()) {
            return host + ":" + std::to_string(port);
        }
        return host.empty() ? std::string("localhost") : host;
    }
};

struct Url {
    Endpoint endpoint;
    std::string path;  // "/" when the URL has none
    // The scheme was https: the caller attaches a TLS context to `endpoint` (parse_url cannot
    // know which CA and client certificate apply).
    bool https = false;
};
// Parses "http://host[:port][/path]" (port 80 by default) or "https://..." (port 443). Port 0
// is kept (a daemon may read it as "pick a free port"); connecting to it fails as refused.
Result<Url> parse_url(std::string_view url);

struct ClientOptions {
    std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);
    std::size_t max_idle_per_host = 1024;
    // Pooled connections idle for longer are closed rather than reused.
    std::chrono::nanoseconds idle_timeout = std::chrono::seconds(90);
};

struct CallOptions {
    // Deadline for the whole call: connect, send, and the full response.
    std::chrono::nanoseconds timeout = std::chrono::seconds(60);
    std::size_t max_response_bytes = 64U << 20U;
};

struct ForwardOptions {
    // Request-target sent upstream; empty means the exchange's own target.
    std::string target;
    // Set (replacing) on the upstream request and on the response to the client.
    Headers request_headers;
    Headers response_headers;
    // Deadline from the start of the call until the upstream's response head arrives.
    std::chrono::nanoseconds timeout = std::chrono::seconds(60);
    // Bodies with a known length up to this size are relayed in one write; larger or chunked
    // bodies stream through in both directions.
    std::size_t buffer_limit = 256U << 10U;
    // A request body over this many bytes is refused with errc::body_too_large (0: no limit).
    std::uint64_t max_request_bytes = 0;
    // Adds X-Duration-Seconds: the time until the upstream's response head arrived.
    bool duration_header = false;
    // When the upstream refuses connections (starting or restarting), keep trying for this long
    // (bounded by `timeout`) before answering errc::connect_failed.
    std::chrono::nanoseconds connect_retry_for{0};
    // Lets a caller send the same exchange again to another endpoint after errc::connect_failed
    // (a gateway trying the next replica): a body forward() buffered is kept here, and a later
    // forward() with the same slot sends it from here. Streamed bodies are never read before
    // the connection is made, so they need no slot. Owned by the caller.
    std::optional<std::string>* replay_body = nullptr;
};

struct StreamOptions {
    // Deadline for connecting, sending the request and receiving the response head.
    std::chrono::nanoseconds head_timeout = std::chrono::seconds(60);
    // Longest wait for the next piece of a streamed body; zero waits forever (a log follow).
    std::chrono::nanoseconds idle_timeout{0};
    // A non-2xx answer's body is read into Response::body up to this size, not streamed.
    std::size_t max_error_bytes = 64U << 10U;
};

// Receives a streamed body piece by piece; returning false stops the call (not an error).
using BodySink = std::function<bool(std::string_view)>;

struct ForwardResult {
    int status = 0;
    std::uint64_t response_bytes = 0;
};

class ClientPool {
public:
    explicit ClientPool(asio::any_io_executor ex, ClientOptions options = {});
    ~ClientPool();
    ClientPool(const ClientPool&) = delete;
    ClientPool& operator=(const ClientPool&) = delete;

    // Sends `req` and reads the whole response. A pooled connection found closed by the peer is
    // replaced and the request sent again once. Errors: errc::connect_failed (nothing sent),
    // errc::timeout, errc::upstream_failed, errc::output_too_large.
    awaitable<Result<Response>> request(Endpoint endpoint, Request req, CallOptions options = {});

    // Sends `req` on a fresh connection and passes a 2xx response's body to `sink` as it arrives
    // (chunked log streams, long polls); the Response carries status and headers. A non-2xx
    // body lands in Response::body instead. The connection is not pooled afterwards.
    awaitable<Result<Response>> stream(Endpoint endpoint, Request req, StreamOptions options,
                                       BodySink sink);

    // Relays the exchange to `endpoint` and the answer back. On an error before the response
    // started nothing was written to the client, so the caller answers (502/504/...); once it
    // started, the client connection is closed to show the body was cut.
    awaitable<Result<ForwardResult>> forward(Exchange& ex, const Endpoint& endpoint,
                                             const ForwardOptions& options);

    std::size_t idle_connections() const;

    struct Conn;

private:
    using Clock = std::chrono::steady_clock;
    // `check_stale`: peek at a pooled connection before reuse. Needed only when the request
    // cannot be sent again (a streamed body); otherwise a failed reuse is retried instead.
    awaitable<Result<std::unique_ptr<Conn>>> acquire(const Endpoint& endpoint,
                                                     Clock::time_point deadline, bool fresh,
                                                     bool check_stale, bool& reused);
    void release(const Endpoint& endpoint, std::unique_ptr<Conn> conn);

    asio::any_io_executor ex_;
    ClientOptions options_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<Conn>>> idle_;
};

}  // namespace faas::http
