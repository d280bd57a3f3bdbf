// faas invoke and faas logs.
#include <array>
#include <ctime>
#include <iterator>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/queue.hpp"
#include "cli/deploy.hpp"
#include "core/config/env.hpp"
#include "core/json/json.hpp"

namespace faas::cli {
namespace {

bool valid_method(const std::string& m) {
    for (const char* ok : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
        if (m == ok) {
            return true;
        }
    }
    return false;
}

// --method in upper case, one the gateway routes; --async calls must be POSTs.
Result<std::string> invoke_method(const Args& args) {
    std::string method = args.value_or("method", "POST");
    for (auto& c : method) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (!valid_method(method)) {
        return make_error(errc::bad_request,
                          "--method " + method +
                              " is not one of GET POST PUT PATCH DELETE HEAD OPTIONS");
    }
    if (args.flag("async", false) && method != "POST") {
        return make_error(errc::bad_request,
                          "--async calls are POSTed (the gateway queues POST only), not " + method);
    }
    return method;
}

// Content-Type, each --header, and the async call's callback and idempotency key.
Result<http::Headers> invoke_headers(const Args& args, bool async) {
    http::Headers headers;
    headers.set("Content-Type", args.value_or("content-type", "text/plain"));
    for (const auto& h : args.all("header")) {
        auto kv = split_key_value(h, "--header");
        if (!kv) {
            return kv.error();
        }
        headers.set(kv->first, kv->second);
    }
    for (auto [flag, header] : {std::pair{"callback", "X-Callback-Url"},
                                std::pair{"idempotency-key", "Idempotency-Key"}}) {
        if (auto v = args.value(flag)) {
            if (!async) {
                return make_error(errc::bad_request, "--" + std::string(flag) + " needs --async");
            }
            headers.set(header, *v);
        }
    }
    return headers;
}

// "/function/NAME.NS[/SUB][?QUERY]", or /async-function/.
Result<std::string> invoke_target(const Args& args, const std::string& name, bool async) {
    std::vector<std::pair<std::string, std::string>> query;
    for (const auto& q : args.all("query")) {
        auto kv = split_key_value(q, "--query");
        if (!kv) {
            return kv.error();
        }
        query.push_back(std::move(*kv));
    }
    std::string target = (async ? "/async-function/" : "/function/") +
                         qualified_function(name, args.value("namespace"));
    if (auto sub = args.value("path"); sub && !sub->empty()) {
        target += (sub->front() == '/' ? "" : "/") + *sub;
    }
    target += query_string(query);
    return target;
}

// Prints the function's answer (or, for an async call, its call id).
int print_answer(Io& io,
                 const http::Response& r,
                 bool async,
                 const std::string& method,
                 const std::string& target) {
    if (async && r.status == 202) {
        // The call id alone on stdout (for scripts: id=$(faas invoke fn --async)); the note on
        // stderr as faas-cli prints it.
        const bool duplicate = r.headers.get("X-Faas-Duplicate").value_or("") == "true";
        io.err << (duplicate ? "Function call already queued (same Idempotency-Key)."
                             : "Function submitted asynchronously.")
               << "\n";
        if (auto id = r.headers.get("X-Call-Id")) {
            io.out << *id << "\n";
        }
        io.out.flush();
        return kExitOk;
    }
    if (r.status < 200 || r.status > 299) {
        io.out.flush();
        return fail(io, http_failure(method + " " + target, r));
    }
    io.out << r.body;
    io.out.flush();
    return kExitOk;
}

int invoke(const Args& args, Io& io) {
    if (args.positional.size() != 1) {
        return fail(io, "invoke wants one function name (see faas invoke --help)", kExitUsage);
    }
    const std::string name = args.positional[0];
    if (!openfaas::valid_route_name(name)) {
        return fail(io, "\"" + name + "\" is not a function name", kExitUsage);
    }
    auto method = invoke_method(args);
    if (!method) {
        return fail(io, method.error().what(), kExitUsage);
    }
    const bool async = args.flag("async", false);
    auto headers = invoke_headers(args, async);
    if (!headers) {
        return fail(io, headers.error().what(), kExitUsage);
    }
    auto target = invoke_target(args, name, async);
    if (!target) {
        return fail(io, target.error().what(), kExitUsage);
    }
    std::string body;
    if (!args.flag("no-stdin", false)) {
        if (io.in_is_terminal) {
            io.err << "Reading from STDIN - hit (Control + D) to stop.\n";
        }
        body.assign(std::istreambuf_iterator<char>(io.in), std::istreambuf_iterator<char>());
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    if (auto t = args.value("timeout")) {
        auto d = config::parse_go_duration(*t);
        if (!d) {
            return fail(io, "--timeout wants a duration like 30s, not \"" + *t + "\"", kExitUsage);
        }
        gw->timeout = *d;
    }
    Session session(std::move(*gw));
    auto r = session.run([&] { return session.api().invoke(*method, *target, *headers, body); });
    if (!r) {
        return fail(io, r.error());
    }
    return print_answer(io, *r, async, *method, *target);
}

// "5m" ago, or an RFC 3339 time as given.
Result<std::string> since_param(const std::string& v) {
    if (auto d = config::parse_go_duration(v)) {
        const auto when = std::chrono::system_clock::now() -
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(*d);
        const std::time_t t = std::chrono::system_clock::to_time_t(when);
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::array<char, 32> buf{};
        std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return std::string(buf.data());
    }
    if (v.size() >= 20 && v[4] == '-' && v[10] == 'T') {
        return v;
    }
    return make_error(errc::bad_request,
                      "--since wants a duration (5m) or an RFC 3339 time, not \"" + v + "\"");
}

// One ndjson log message as "timestamp name (instance) text".
std::string format_log_line(std::string_view line) {
    auto doc = json::parse(line);
    if (!doc) {
        return std::string(line);
    }
    auto field = [&](const char* key) -> std::string {
        std::string_view v;
        return doc->root().at_key(key).get(v) == simdjson::SUCCESS ? std::string(v) : "";
    };
    return field("timestamp") + " " + field("name") + " (" + field("instance") + ") " +
           field("text");
}

// The query of /system/logs: the function, its namespace, follow, since, tail, instance.
Result<std::vector<std::pair<std::string, std::string>>> logs_params(const Args& args,
                                                                     const std::string& name,
                                                                     const std::string& ns) {
    std::vector<std::pair<std::string, std::string>> params{{"name", name}};
    if (!ns.empty()) {
        params.emplace_back("namespace", ns);
    }
    params.emplace_back("follow", args.flag("follow", false) ? "true" : "false");
    if (auto s = args.value("since")) {
        auto since = since_param(*s);
        if (!since) {
            return since.error();
        }
        params.emplace_back("since", *since);
    }
    if (auto t = args.value("tail")) {
        if (t->empty() || t->find_first_not_of("-0123456789") != std::string::npos) {
            return make_error(errc::bad_request, "--tail wants a number, not \"" + *t + "\"");
        }
        params.emplace_back("tail", *t);
    }
    if (auto i = args.value("instance")) {
        params.emplace_back("instance", *i);
    }
    return params;
}

// Prints the log stream line by line as it arrives (raw ndjson, or formatted).
struct LinePrinter {
    Io& io;
    bool raw;
    std::string pending;  // a line not complete yet

    bool take(std::string_view data) {
        pending += data;
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos;
             nl = pending.find('\n', start)) {
            const std::string_view line(pending.data() + start, nl - start);
            if (!line.empty()) {
                io.out << (raw ? std::string(line) : format_log_line(line)) << "\n";
            }
            start = nl + 1;
        }
        io.out.flush();
        pending.erase(0, start);
        return true;
    }
    void finish() {
        if (!pending.empty()) {
            io.out << (raw ? pending : format_log_line(pending)) << "\n";
        }
    }
};

int logs(const Args& args, Io& io) {
    if (args.positional.size() != 1) {
        return fail(io, "logs wants one function name (see faas logs --help)", kExitUsage);
    }
    std::string name = args.positional[0];
    std::string ns = args.value_or("namespace", "");
    if (ns.empty() && name.find('.') != std::string::npos) {
        auto qn = openfaas::split_name(name, "");
        name = qn.name;
        ns = qn.namespace_;
    }
    auto params = logs_params(args, name, ns);
    if (!params) {
        return fail(io, params.error().what(), kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    const std::string target = "/system/logs" + query_string(*params);
    LinePrinter printer{io, args.value_or("output", "plain") == "json", {}};
    auto sink = [&printer](std::string_view data) { return printer.take(data); };
    auto r = session.run([&] {
        return session.api().stream(target, sink, std::chrono::nanoseconds::zero());
    });
    if (!r) {
        return fail(io, r.error());
    }
    printer.finish();
    if (r->status == 404 || r->status == 501) {
        return fail(io, "no logs for " + name + ": " + std::to_string(r->status) + " " +
                            std::string(http::reason(r->status)) +
                            (r->body.empty() ? "" : ": " + r->body.substr(0, r->body.find('\n'))));
    }
    if (r->status != 200) {
        return fail(io, http_failure("GET /system/logs", *r));
    }
    return kExitOk;
}

}  // namespace

std::vector<Command> invoke_commands() {
    std::vector<Command> out;
    out.push_back(Command{
        "invoke", "call a function with the body from stdin and print its answer",
        "faas invoke NAME [-m METHOD] [-H K=V] [--query K=V] [--path SUB] [--async [--callback "
        "URL] [--idempotency-key K]] < body",
        "Calls /function/NAME.NAMESPACE (openfaas-fn unless -n or NAME.NS is given), without\n"
        "the CLI's credentials. A status outside 2xx is printed to stderr and exits 1.\n"
        "With --async it POSTs to /async-function/ instead: the gateway queues the call and\n"
        "answers 202; the call id is printed on stdout (see faas queue status ID). --callback\n"
        "has the result POSTed to URL when the call finished; the same --idempotency-key within\n"
        "the gateway's dedup window (10m) queues the call once and prints the same call id.\n",
        with_gateway({
            {"method", 'm', FlagKind::Value, "METHOD", "HTTP method (default POST)"},
            {"header", 'H', FlagKind::Repeat, "KEY=VALUE", "request header"},
            {"query", 0, FlagKind::Repeat, "KEY=VALUE", "query string parameter"},
            {"path", 0, FlagKind::Value, "SUBPATH", "path after the function name (/a/b)"},
            {"content-type", 0, FlagKind::Value, "TYPE", "Content-Type (default text/plain)"},
            {"namespace", 'n', FlagKind::Value, "NS", "namespace"},
            {"async", 'a', FlagKind::Bool, "", "call /async-function/ (answers 202)"},
            {"callback", 0, FlagKind::Value, "URL",
             "X-Callback-Url for --async: where the result is POSTed"},
            {"idempotency-key", 0, FlagKind::Value, "KEY",
             "Idempotency-Key for --async: queued once per key"},
            {"no-stdin", 0, FlagKind::Bool, "", "send an empty body"},
            {"timeout", 0, FlagKind::Value, "DURATION", "give up after this long (default 60s)"},
        }),
        invoke});
    out.push_back(Command{
        "logs", "print a function's logs",
        "faas logs NAME [--follow] [--since 5m|RFC3339] [--tail N] [--instance ID]", "",
        with_gateway({
            {"follow", 0, FlagKind::Bool, "", "keep printing new lines"},
            {"since", 0, FlagKind::Value, "WHEN",
             "only lines after this (5m, or an RFC 3339 time)"},
            {"tail", 't', FlagKind::Value, "N", "only the last N lines"},
            {"instance", 0, FlagKind::Value, "ID", "only this replica"},
            {"namespace", 'n', FlagKind::Value, "NS", "namespace"},
            {"output", 'o', FlagKind::Value, "FORMAT", "plain (default) or json (the raw ndjson)"},
        }),
        logs});
    return out;
}

}  // namespace faas::cli
