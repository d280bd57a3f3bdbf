// faas list, describe, version.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/deploy.hpp"
#include "core/json/json.hpp"

#ifndef FAAS_VERSION
#define FAAS_VERSION "dev"
#endif

namespace faas::cli {
namespace {

// --- list ---

std::string count_text(double n) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.0f", std::floor(n));
    return buf.data();
}

int list(const Args& args, Io& io) {
    const Listing listing = get_listing(args, io, "/system/functions");
    if (!listing.body) {
        return listing.exit_code;
    }
    auto items = openfaas::parse_status_list(*listing.body);
    if (!items) {
        return fail(io, "GET " + listing.target + ": unreadable answer: " + items.error().what());
    }
    std::sort(items->begin(), items->end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    const bool verbose = args.flag("verbose", false);
    std::vector<std::vector<std::string>> rows;
    rows.push_back(verbose
                       ? std::vector<std::string>{"Function", "Image", "Invocations", "Replicas"}
                       : std::vector<std::string>{"Function", "Invocations", "Replicas"});
    for (const auto& s : *items) {
        if (verbose) {
            rows.push_back({s.name, s.image, count_text(s.invocation_count),
                            std::to_string(s.replicas)});
        } else {
            rows.push_back({s.name, count_text(s.invocation_count), std::to_string(s.replicas)});
        }
    }
    io.out << table_text(rows);
    return kExitOk;
}

// --- describe ---

std::string map_text(const openfaas::StringMap& m) {
    if (m.empty()) {
        return "<none>";
    }
    std::string out;
    for (const auto& [k, v] : m) {
        if (!out.empty()) {
            out += "\n                     ";
        }
        out.append(k).append(": ").append(v);
    }
    return out;
}

std::string list_text(const std::vector<std::string>& v) {
    if (v.empty()) {
        return "<none>";
    }
    std::string out;
    for (const auto& s : v) {
        out += (out.empty() ? "" : ", ") + s;
    }
    return out;
}

std::string resources_text(const std::optional<openfaas::FunctionResources>& r) {
    if (!r || r->empty()) {
        return "<none>";
    }
    std::string out;
    if (!r->memory.empty()) {
        out += "memory: " + r->memory;
    }
    if (!r->cpu.empty()) {
        out += (out.empty() ? "" : ", ") + std::string("cpu: ") + r->cpu;
    }
    return out;
}

int describe(const Args& args, Io& io) {
    if (args.positional.size() != 1) {
        return fail(io, "describe wants one function name (see faas describe --help)", kExitUsage);
    }
    const auto qn = name_and_namespace(args.positional[0], args);
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    auto s = session.run([&] { return function_status(session.api(), qn.name, qn.namespace_); });
    if (!s) {
        return fail(io, s.error());
    }
    const auto& gwc = session.api().config();
    const std::string ns = s->namespace_.empty() ? qn.namespace_ : s->namespace_;
    auto row = [&](std::string_view k, const std::string& v) {
        io.out << k << std::string(21 - k.size(), ' ') << v << "\n";
    };
    row("Name:", s->name);
    row("Status:", s->available_replicas > 0 ? "Ready" : "Not Ready");
    row("Replicas:", std::to_string(s->replicas));
    row("Available Replicas:", std::to_string(s->available_replicas));
    row("Invocations:", count_text(s->invocation_count));
    row("Image:", s->image);
    row("Function Process:", s->env_process.empty() ? "<none>" : s->env_process);
    row("Namespace:", ns.empty() ? "<default>" : ns);
    row("URL:", function_url(gwc, s->name, qn.namespace_));
    row("Async URL:", function_url(gwc, s->name, qn.namespace_, true));
    row("Labels:", map_text(s->labels));
    row("Annotations:", map_text(s->annotations));
    row("Environment:", map_text(s->env_vars.value_or(openfaas::StringMap{})));
    row("Secrets:", list_text(s->secrets));
    row("Constraints:", list_text(s->constraints));
    row("Limits:", resources_text(s->limits));
    row("Requests:", resources_text(s->requests));
    row("Created:", s->created_at);
    return kExitOk;
}

// --- version ---

int version(const Args& args, Io& io) {
    io.out << "faas CLI version: " << FAAS_VERSION << "\n";
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    auto r = session.run([&] { return session.api().system("GET", "/system/info"); });
    if (!r) {
        return fail(io, r.error());
    }
    if (r->status != 200) {
        return fail(io, http_failure("GET /system/info", *r));
    }
    auto doc = json::parse(r->body);
    if (!doc) {
        return fail(io, "GET /system/info: unreadable answer: " + doc.error().what());
    }
    auto str = [&](std::initializer_list<const char*> path) -> std::string {
        simdjson::dom::element e = doc->root();
        for (const char* key : path) {
            if (e.at_key(key).get(e) != simdjson::SUCCESS) {
                return "";
            }
        }
        std::string_view v;
        return e.get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
    };
    if (str({"provider", "provider"}).empty() && !str({"provider"}).empty()) {
        // A provider's own /system/info (faas -g pointed at faas-provider directly).
        io.out << "Provider\n"
               << "  name:          " << str({"provider"}) << "\n"
               << "  orchestration: " << str({"orchestration"}) << "\n"
               << "  version:       " << str({"version", "release"}) << "\n"
               << "  sha:           " << str({"version", "sha"}) << "\n";
        return kExitOk;
    }
    io.out << "Gateway\n"
           << "  uri:           " << session.api().config().url << "\n"
           << "  version:       " << str({"version", "release"}) << "\n"
           << "  sha:           " << str({"version", "sha"}) << "\n"
           << "  arch:          " << str({"arch"}) << "\n"
           << "Provider\n"
           << "  name:          " << str({"provider", "provider"}) << "\n"
           << "  orchestration: " << str({"provider", "orchestration"}) << "\n"
           << "  version:       " << str({"provider", "version", "release"}) << "\n"
           << "  sha:           " << str({"provider", "version", "sha"}) << "\n";
    return kExitOk;
}

}  // namespace

std::vector<Command> status_commands() {
    std::vector<Command> out;
    out.push_back(Command{"list", "list the deployed functions", "faas list [-v] [-n NS]", "",
                          with_gateway({
                              {"verbose", 'v', FlagKind::Bool, "", "also show the image"},
                              {"namespace", 'n', FlagKind::Value, "NS", "namespace"},
                          }),
                          list});
    out.push_back(Command{"describe", "show a function's status, URLs and settings",
                          "faas describe NAME [-n NS]", "",
                          with_gateway({{"namespace", 'n', FlagKind::Value, "NS", "namespace"}}),
                          describe});
    out.push_back(Command{"version", "print the CLI, gateway and provider versions",
                          "faas version", "", gateway_flags(), version});
    return out;
}

}  // namespace faas::cli