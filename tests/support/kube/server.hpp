#pragma once
// Server: the stand-in Kubernetes API server (plain HTTP on 127.0.0.1, the v1.32 wire behaviour
// recorded in tests/data/kubernetes). It owns the Store and ONE io_context thread: every REST
// handler, watch, controller and the store run on that thread, so nothing races (see
// store.hpp). Owned by a test or by kube-apiserver-standin's main(); the public methods may be
// called from any thread.
//
// Controllers (Deployment -> ReplicaSet -> Pods, the kubelet, EndpointSlices, the garbage
// collector) are plugged in with add_controller(); the pods/{name}/log route asks the
// LogProvider (the kubelet) for the log.
//
// Where it knowingly differs from the real server: JSON only (no protobuf, no YAML bodies,
// no server-side apply or JSON Patch: those Content-Types are 415); no managedFields; keys of
// maps are written in insertion order, not sorted; a list with resourceVersionMatch=Exact is
// served only at the current revision (no snapshots: older is 410); continue tokens page
// the current state, not a snapshot; a watch filters MODIFIED events by the selector on the
// new object only (the real watch cache turns "stopped matching" into DELETED); deleting a
// Namespace deletes its contents at once; field validation knows the fields schema.cpp lists
// (exact for what the back end and compose/kubernetes send); validation covers names and pod
// template volumes/containers only. The loopback-address rule on EndpointSlices is the
// controllers' to relax (the store accepts any address).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/asio.hpp"
#include "core/log/log.hpp"
#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0 picks a free port (see Server::port())
    // The bearer token with every right (system:masters).
    std::string admin_token = "admin-token";
    // How often a watch with allowWatchBookmarks=true gets a BOOKMARK (the real server: ~1 min).
    std::chrono::milliseconds bookmark_interval = std::chrono::seconds(60);
    // Events kept for resuming watches (see StoreOptions).
    std::size_t history_limit = 10000;
    std::string log_level = "warn";
};

// What a controller gets; everything in it is used on the server thread only.
struct ControllerContext {
    asio::io_context& io;
    Store& store;
    log::Logger log;
};

// A controller (or the kubelet) running inside the server, on the server thread.
class Controller {
public:
    virtual ~Controller() = default;
    // Once, when the server starts, before it accepts requests. May spawn coroutines on
    // ctx.io (owning them in a TaskGroup) and keep `ctx` (it outlives the controller's run).
    virtual void start(ControllerContext& ctx) = 0;
    // Every store change, in revision order (including the controller's own writes).
    virtual void on_event(const Event& event) = 0;
    // When the server stops: end timers, watches and child processes; completes once the
    // controller's coroutines have ended.
    virtual awaitable<void> stop() = 0;
};

// GET pods/{name}/log, after the server checked the pod exists, is scheduled
// (spec.nodeName set) and `container` names one of its containers (the default: the only one).
struct LogRequest {
    std::string ns;
    std::string pod;
    std::string container;
    bool follow = false;
    bool timestamps = false;
    std::optional<std::int64_t> tail_lines;
    std::optional<std::int64_t> since_seconds;
    std::optional<std::int64_t> limit_bytes;
    std::string since_time;  // sinceTime as sent (RFC 3339), "" when absent
};
// Sends part of the log to the client; false once the client is gone (stop writing then).
using LogWrite = std::function<awaitable<bool>(std::string_view)>;
// The kubelet's side of the log route: writes the container's log through `write` (with
// follow, keeps writing until the container ends or write() returns false). Runs on the
// server thread. Without a provider a scheduled pod's log is the real server's 500 (no kubelet
// to dial).
using LogProvider = std::function<awaitable<void>(LogRequest request, LogWrite write)>;

class Server {
public:
    explicit Server(ServerOptions options);
    // Stops (as stop()).
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Before start().
    void add_controller(std::shared_ptr<Controller> controller);
    void set_log_provider(LogProvider provider);

    // Binds (throws std::system_error when it cannot), starts the controllers and serves.
    void start();
    // Stops serving, ends every watch and stream, stops the controllers, joins the thread.
    void stop();

    std::uint16_t port() const noexcept;
    // "http://127.0.0.1:<port>"
    std::string url() const;
    const std::string& admin_token() const noexcept;
    // A bearer token authenticating as system:serviceaccount:<ns>:<name> (what a TokenRequest
    // gives), authorized by the stored Roles/ClusterRoles and their bindings.
    std::string issue_token(std::string_view ns, std::string_view service_account);

    // Runs fn(store) on the server thread and returns its result (tests set up and inspect
    // state this way). Must not be called from the server thread.
    template <class F>
    auto call(F fn) {
        using R = std::invoke_result_t<F&, Store&>;
        if constexpr (std::is_void_v<R>) {
            run_sync([&fn](Store& store) { fn(store); });
        } else {
            std::optional<R> out;
            run_sync([&fn, &out](Store& store) { out.emplace(fn(store)); });
            return std::move(*out);
        }
    }

    // Test hooks.
    // Closes every open watch connection now (no final event: the client sees the stream end
    // abruptly, as when an apiserver restarts).
    void drop_watches();
    // Forgets the event history (etcd compaction): older resourceVersions get 410 Expired.
    void compact();
    // false: stops listening and closes every connection (connect is refused); true: listens
    // again on the same port. The store is kept.
    void set_available(bool available);

private:
    struct Impl;
    void run_sync(const std::function<void(Store&)>& fn);
    std::unique_ptr<Impl> impl_;
};

}  // namespace faas::test::kube
