// faas queue: the async queues, one call's status, dead letters and re-drive (docs/async.md).
#include <ostream>

#include "cli/commands.hpp"
#include "cli/queue.hpp"

namespace faas::cli {
namespace {

int unreadable(Io& io, const std::string& target, const Error& e) {
    return fail(io, "GET " + target + ": unreadable answer: " + e.what());
}

int queues(const Args& args, Io& io) {
    if (!args.positional.empty()) {
        return fail(io,
                    "unknown command \"queue " + args.positional[0] +
                        "\" (faas queue [status ID | dead-letters | redrive], see faas help)",
                    kExitUsage);
    }
    const Listing listing = get_listing(args, io, "/system/queues");
    if (!listing.body) {
        return listing.exit_code;
    }
    auto items = parse_queues(*listing.body);
    if (!items) {
        return unreadable(io, listing.target, items.error());
    }
    io.out << queues_table(std::move(*items));
    return kExitOk;
}

int status(const Args& args, Io& io) {
    if (args.positional.size() != 1 || args.positional[0].empty()) {
        return fail(io,
                    "queue status wants one call id (the X-Call-Id faas invoke --async printed)",
                    kExitUsage);
    }
    const std::string& id = args.positional[0];
    const std::string format = args.value_or("output", "plain");
    if (format != "plain" && format != "json") {
        return fail(io, "--output wants plain or json, not \"" + format + "\"", kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    const std::string target = "/system/async-calls/" + url_encode(id);
    Session session(std::move(*gw));
    auto r = session.run([&] { return session.api().system("GET", target); });
    if (!r) {
        return fail(io, r.error());
    }
    if (r->status == 404) {
        return fail(io, "no such call: " + id + " (unknown, or older than the status TTL)");
    }
    if (r->status != 200) {
        return fail(io, http_failure("GET " + target, *r));
    }
    if (format == "json") {
        io.out << r->body << (r->body.empty() || r->body.back() != '\n' ? "\n" : "");
        return kExitOk;
    }
    auto s = openfaas::parse_call_status(r->body);
    if (!s) {
        return unreadable(io, target, s.error());
    }
    io.out << call_status_text(*s);
    return kExitOk;
}

int dead_letters(const Args& args, Io& io) {
    if (!args.positional.empty()) {
        return fail(io, "queue dead-letters takes no arguments (use --function NAME)", kExitUsage);
    }
    std::vector<std::pair<std::string, std::string>> params;
    if (auto fn = args.value("function")) {
        params.emplace_back("function", qualified_function(*fn, args.value("namespace")));
    }
    for (const char* key : {"queue", "limit", "after"}) {
        if (auto v = args.value(key)) {
            if (std::string_view(key) != "queue" &&
                (v->empty() || v->find_first_not_of("0123456789") != std::string::npos)) {
                return fail(io, "--" + std::string(key) + " wants a number, not \"" + *v + "\"",
                            kExitUsage);
            }
            params.emplace_back(key, *v);
        }
    }
    const Listing listing =
        get_listing(args, io, "/system/async-dead-letters" + query_string(params));
    if (!listing.body) {
        return listing.exit_code;
    }
    auto items = parse_dead_letters(*listing.body);
    if (!items) {
        return unreadable(io, listing.target, items.error());
    }
    io.out << dead_letters_table(*items);
    return kExitOk;
}

int redrive(const Args& args, Io& io) {
    std::optional<std::string> function;
    if (auto fn = args.value("function")) {
        function = qualified_function(*fn, args.value("namespace"));
    }
    auto body = redrive_body(function, args.positional);
    if (!body) {
        return fail(io, body.error().what(), kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    const std::string target = "/system/async-dead-letters/redrive";
    Session session(std::move(*gw));
    auto r = session.run([&] { return session.api().system("POST", target, *body); });
    if (!r) {
        return fail(io, r.error());
    }
    if (r->status != 200) {
        return fail(io, http_failure("POST " + target, *r));
    }
    auto result = parse_redrive(r->body);
    if (!result) {
        return fail(io, "POST " + target + ": unreadable answer: " + result.error().what());
    }
    for (const auto& item : result->redriven) {
        io.out << "Redriven " << item.sequence << ": call " << item.call_id << " queued again.\n";
    }
    for (const auto& item : result->failed) {
        fail(io, "redrive " + std::to_string(item.sequence) + ": " + item.error);
    }
    if (result->redriven.empty() && result->failed.empty()) {
        io.out << "No dead letters to redrive.\n";
    }
    return result->failed.empty() ? kExitOk : kExitFailed;
}

}  // namespace

std::vector<Command> queue_commands() {
    std::vector<Command> out;
    // The subcommands come first: "queue" alone would match "queue status" too.
    out.push_back(Command{
        "queue status", "show an async call's status (queued, running, retrying, ...)",
        "faas queue status CALL_ID [-o json]",
        "The call id is the one faas invoke --async prints (X-Call-Id). Records are kept for\n"
        "async_status_ttl (24h by default).\n",
        with_gateway({{"output", 'o', FlagKind::Value, "FORMAT", "plain (default) or json"}}),
        status});
    out.push_back(Command{
        "queue dead-letters", "list async calls that ran out of attempts or expired",
        "faas queue dead-letters [--function NAME [-n NS]] [--queue Q] [--limit N] [--after SEQ]",
        "NAME is name or name.namespace (openfaas-fn by default). SEQ identifies a dead "
        "letter for\n"
        "faas queue redrive.\n",
        with_gateway({
            {"function", 0, FlagKind::Value, "NAME", "only this function's"},
            {"namespace", 'n', FlagKind::Value, "NS", "the function's namespace"},
            {"queue", 0, FlagKind::Value, "Q", "only this queue's"},
            {"limit", 0, FlagKind::Value, "N", "at most N (the gateway's default: 100)"},
            {"after", 0, FlagKind::Value, "SEQ", "only those after this sequence number"},
        }),
        dead_letters});
    out.push_back(Command{
        "queue redrive", "queue dead letters again (all, one function's, or by sequence number)",
        "faas queue redrive [--function NAME [-n NS] | SEQ...]",
        "Each dead letter is queued again as a new first attempt with its call id and callback,\n"
        "then deleted. Without arguments every dead letter is redriven. Exits 1 when one failed.\n",
        with_gateway(
            {{"function", 0, FlagKind::Value, "NAME", "only this function's dead letters"},
             {"namespace", 'n', FlagKind::Value, "NS", "the function's namespace"}}),
        redrive});
    out.push_back(Command{
        "queue", "list the async queues: messages, pending, in flight, dead letters",
        "faas queue [status ID | dead-letters | redrive]",
        "Every queue that has messages, a consumer or dead letters. PENDING: not yet delivered to\n"
        "a worker; IN-FLIGHT: delivered and not yet acknowledged.\n",
        with_gateway({}), queues});
    return out;
}

}  // namespace faas::cli
