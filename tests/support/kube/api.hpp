#pragma once
// The stand-in's internals shared by its .cpp files: the server state (owned by Server::Impl,
// used on the server thread only), one parsed API request, and the handlers' entry points.
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/async/async_event.hpp"
#include "core/http/exchange.hpp"
#include "core/log/log.hpp"
#include "tests/support/kube/resources.hpp"
#include "tests/support/kube/server.hpp"
#include "tests/support/kube/store.hpp"

namespace faas::test::kube {

struct User {
    std::string name;  // "system:anonymous", "system:serviceaccount:ns:sa", "admin"
    std::vector<std::string> groups;
    bool anonymous = false;
    bool admin = false;  // system:masters: every request allowed
};

// One open watch: the stream coroutine waits on `wake`; drop_watches() sets `dropped`.
struct WatchSlot {
    explicit WatchSlot(const asio::any_io_executor& ex) : wake(ex) {}
    async::AsyncEvent wake;
    std::vector<Event> queue;
    bool dropped = false;
    http::Exchange* exchange = nullptr;
};

struct State {
    State(asio::io_context& io_context, ServerOptions opts, log::Logger logger);

    asio::io_context& io;
    ServerOptions options;
    log::Logger log;
    Store store;
    LogProvider log_provider;
    std::map<std::string, User> tokens;  // bearer token -> user (the admin's included)
    std::list<std::shared_ptr<WatchSlot>> watches;
    std::uint32_t next_cluster_ip = 0;
    std::uint64_t token_counter = 0;
    std::uint16_t port = 0;
};

// A resource request after its path was parsed.
struct ApiRequest {
    std::string method;
    const ResourceInfo* resource = nullptr;
    std::string ns;
    std::string name;
    std::string subresource;
    std::map<std::string, std::string> query;
    std::string content_type;
    std::string body;
    User user;
    std::string verb;  // the RBAC verb: get, list, watch, create, update, patch, delete
};

// A whole JSON answer.
struct Reply {
    int status = 200;
    Value body;
    std::vector<std::string> warnings;  // one Warning header each: 299 - "<text>"
};

struct Selectors {
    LabelSelector labels;
    FieldSelector fields;
};
// The request's labelSelector and fieldSelector (a malformed one is a 400).
ApiResult<Selectors> parse_selectors(const ApiRequest& req);

ApiError bad_request(std::string message);
ApiError method_not_allowed();
ApiError invalid(const Gvr& gvr, std::string_view name, std::vector<Value> causes);
// A cause of an Invalid error ({reason, message, field}).
Value cause(std::string_view reason, std::string_view message, std::string_view field);

// CRUD on resources (crud.cpp, crud_write.cpp).
ApiResult<Reply> handle_get(State& state, const ApiRequest& req);
ApiResult<Reply> handle_list(State& state, const ApiRequest& req);
ApiResult<Reply> handle_create(State& state, const ApiRequest& req);
ApiResult<Reply> handle_update(State& state, const ApiRequest& req);
ApiResult<Reply> handle_patch(State& state, const ApiRequest& req);
ApiResult<Reply> handle_delete(State& state, const ApiRequest& req);
// DELETE on a collection: deletes every object the selectors match, answers them as a list.
ApiResult<Reply> handle_delete_collection(State& state, const ApiRequest& req);
// Subresources (subresources.cpp): status, scale, serviceaccounts/token.
ApiResult<Reply> handle_subresource(State& state, const ApiRequest& req);
// Decodes a request body for `gvr`: unknown fields dropped (warnings) or, with
// fieldValidation=Strict, a 400; kind-specific decoding (Secret base64).
struct Decoded {
    Value object;
    std::vector<std::string> warnings;
};
ApiResult<Decoded> decode_body(const ApiRequest& req, const Gvr& gvr);
// Drops the fields `gvr`'s schema does not know, returning their paths (schema.cpp).
std::vector<std::string> prune_unknown_fields(const Gvr& gvr, Value& object);
// Applies a PATCH body (by Content-Type) to `current`.
ApiResult<Value> apply_patch(const ApiRequest& req, const Value& current);
// Defaults, per-kind fields the server fills, validation: before a create or an update.
std::optional<ApiError> prepare_write(State& state, const Gvr& gvr, Value& object, bool create);
// A pod status as the real server's typed decoding leaves it (conditions' times null, empty
// container states as {}).
void normalize_pod_status(Value& pod);

// Discovery and /version (discovery.cpp); null when `path` is not a discovery path.
std::optional<Reply> discovery(const State& state, std::string_view path);

// Authentication and RBAC (auth.cpp).
ApiResult<User> authenticate(const State& state, const http::Exchange& ex);
std::optional<ApiError> authorize(const State& state, const ApiRequest& req);
std::optional<ApiError> authorize_path(const User& user, std::string_view path);

// Streams (watch.cpp, logs.cpp): they write the response themselves.
awaitable<void> serve_watch(State& state, ApiRequest req, http::Exchange& ex);
awaitable<void> serve_log(State& state, ApiRequest req, http::Exchange& ex);
// Writes a JSON reply (Content-Type application/json, Warning headers).
awaitable<void> send_reply(http::Exchange& ex, Reply reply);
awaitable<void> send_error(http::Exchange& ex, const ApiError& error);

// The request router: parses, authenticates, authorizes and dispatches (rest.cpp).
awaitable<void> handle_exchange(State& state, http::Exchange& ex);

}  // namespace faas::test::kube
