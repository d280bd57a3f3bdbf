#include "provider/local_functions.hpp"

#include <chrono>

#include "core/json/json.hpp"

namespace faas::provider {

using namespace std::chrono_literals;

std::string log_line_json(const std::string& name, const std::string& ns, const std::string& instance,
                          const std::string& timestamp, const std::string& text) {
    json::Writer w;
    w.begin_object();
    w.key("name").value(name);
    w.key("namespace").value(ns);
    w.key("instance").value(instance);
    w.key("timestamp").value(timestamp);
    w.key("text").value(text);
    w.end_object();
    std::string out = std::move(w).str();
    out.push_back('\n');
    return out;
}

awaitable<void> LocalFunctions::shutdown() { co_await backend_.shutdown(); }

awaitable<Status> LocalFunctions::deploy(const openfaas::FunctionDeployment& d) {
    co_return backend_.deploy(d);
}

awaitable<Status> LocalFunctions::update(const openfaas::FunctionDeployment& d) {
    co_return backend_.update(d);
}

awaitable<Status> LocalFunctions::remove(const std::string& ns, const std::string& name) {
    co_return backend_.remove(ns, name);
}

awaitable<Status> LocalFunctions::scale(const std::string& ns, const std::string& name,
                                        std::uint64_t replicas) {
    co_return backend_.scale(ns, name, replicas);
}

awaitable<Result<std::vector<openfaas::FunctionStatus>>> LocalFunctions::list(const std::string& ns) {
    co_return backend_.list(ns);
}

awaitable<Result<openfaas::FunctionStatus>> LocalFunctions::status(const std::string& ns,
                                                                   const std::string& name) {
    co_return backend_.status(ns, name);
}

awaitable<Status> LocalFunctions::create_secret(const openfaas::Secret& s) {
    co_return backend_.create_secret(s);
}

awaitable<Status> LocalFunctions::update_secret(const openfaas::Secret& s) {
    co_return backend_.update_secret(s);
}

awaitable<Status> LocalFunctions::delete_secret(const std::string& ns, const std::string& name) {
    co_return backend_.delete_secret(ns, name);
}

awaitable<Result<std::vector<openfaas::Secret>>> LocalFunctions::list_secrets(const std::string& ns) {
    co_return backend_.list_secrets(ns);
}

awaitable<Result<std::string>> LocalFunctions::webhook_secret(const std::string& ns,
                                                              const std::string& name) {
    co_return backend_.webhook_secret(ns, name);
}

awaitable<std::vector<std::string>> LocalFunctions::namespaces() { co_return backend_.namespaces(); }

awaitable<Result<openfaas::FunctionNamespace>> LocalFunctions::get_namespace(const std::string& ns) {
    co_return backend_.get_namespace(ns);
}

awaitable<Status> LocalFunctions::create_namespace(const openfaas::FunctionNamespace& ns) {
    co_return backend_.create_namespace(ns);
}

awaitable<Status> LocalFunctions::update_namespace(const openfaas::FunctionNamespace& ns) {
    co_return backend_.update_namespace(ns);
}

awaitable<Status> LocalFunctions::delete_namespace(const std::string& ns) {
    co_return backend_.delete_namespace(ns);
}

namespace {
struct LogBatch {
    std::vector<LogLine> lines;
    std::uint64_t cursor = 0;
    bool found = false;
    bool stop = false;
};
}  // namespace

awaitable<void> LocalFunctions::stream_logs(http::Exchange& ex, http::ClientPool& /*client*/,
                                            const LogRequest& r) {
    const std::string name = r.name;
    const std::string ns = r.namespace_;
    const LogQuery lq = r.query;
    const std::string key = name + "." + ns;
    auto job = [this, name, ns, key, lq]() -> awaitable<LogBatch> {
        LogBatch b;
        b.found = backend_.exists(ns, name);
        if (b.found) {
            b.lines = backend_.logs().history(key, lq);
            b.cursor = backend_.logs().last_seq();
        }
        co_return b;
    };
    auto first = co_await asio::co_spawn(control_, std::move(job), use_awaitable);
    if (!first.found) {
        (void)co_await ex.respond(http::text_error(404, "function " + name + " not found"));
        co_return;
    }
    http::Headers headers{{"Content-Type", "application/x-ndjson"}};
    if (!co_await ex.begin_response(200, headers, std::nullopt)) {
        co_return;
    }
    for (const auto& l : first.lines) {
        if (!co_await ex.write_body(log_line_json(name, ns, l.instance, l.timestamp, l.text))) {
            co_return;
        }
    }
    std::uint64_t cursor = first.cursor;
    const std::string instance = lq.instance;
    while (r.follow) {
        auto wait_lines = [this, key, cursor, instance]() -> awaitable<LogBatch> {
            LogBatch b;
            auto& store = backend_.logs();
            if (store.last_seq() == cursor && !backend_.shutting_down()) {
                auto ev = store.change_event();
                (void)co_await ev->wait_for(30s);
            }
            b.lines = store.after(key, cursor, instance);
            b.cursor = store.last_seq();
            b.stop = backend_.shutting_down();
            co_return b;
        };
        auto batch = co_await asio::co_spawn(control_, std::move(wait_lines), use_awaitable);
        cursor = batch.cursor;
        for (const auto& l : batch.lines) {
            if (!co_await ex.write_body(log_line_json(name, ns, l.instance, l.timestamp, l.text))) {
                co_return;
            }
        }
        if (batch.stop) {
            break;
        }
    }
    (void)co_await ex.end_response();
}

}  // namespace faas::provider
