// faas secret create / update / list / remove.
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>

#include "cli/commands.hpp"

namespace faas::cli {
namespace {

std::vector<FlagSpec> secret_flags(bool with_value) {
    std::vector<FlagSpec> flags{{"namespace", 'n', FlagKind::Value, "NS", "namespace"}};
    if (with_value) {
        flags.push_back({"from-literal", 0, FlagKind::Value, "VALUE", "the secret's value"});
        flags.push_back({"from-file", 0, FlagKind::Value, "FILE",
                         "read the value from a file (bytes as they are)"});
    }
    auto g = gateway_flags();
    flags.insert(flags.end(), g.begin(), g.end());
    return flags;
}

// The Secret a create/update sends: a literal as `value`, file or stdin bytes as `rawValue`.
Result<openfaas::Secret> secret_from(const Args& args, Io& io) {
    if (args.positional.size() != 1) {
        return make_error(errc::bad_request, "wants one secret name");
    }
    openfaas::Secret s;
    s.name = args.positional[0];
    s.namespace_ = args.value_or("namespace", "");
    if (!openfaas::valid_dns_label(s.name)) {
        return make_error(errc::bad_request, "secret name \"" + s.name +
                                                 "\" must be lower-case letters, digits and '-'");
    }
    const auto literal = args.value("from-literal");
    const auto file = args.value("from-file");
    if (literal && file) {
        return make_error(errc::bad_request, "give --from-literal or --from-file, not both");
    }
    if (literal) {
        s.value = *literal;
    } else if (file) {
        std::ifstream in(*file, std::ios::binary);
        if (!in) {
            return make_error(errc::bad_request, "cannot read " + *file);
        }
        std::ostringstream buf;
        buf << in.rdbuf();
        s.raw_value = buf.str();
    } else {
        if (io.in_is_terminal) {
            io.err << "Reading from STDIN - hit (Control + D) to stop.\n";
        }
        s.raw_value.assign(std::istreambuf_iterator<char>(io.in), std::istreambuf_iterator<char>());
    }
    if (s.value.empty() && s.raw_value.empty()) {
        return make_error(errc::bad_request, "the secret's value is empty");
    }
    return s;
}

int write_secret(const Args& args, Io& io, bool create) {
    auto s = secret_from(args, io);
    if (!s) {
        return fail(io, std::string(create ? "secret create: " : "secret update: ") +
                            s.error().what(),
                    kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    const std::string body = openfaas::to_json(*s);
    const std::string method = create ? "POST" : "PUT";
    auto r = session.run([&] { return session.api().system(method, "/system/secrets", body); });
    if (!r) {
        return fail(io, r.error());
    }
    if (create && r->status == 409) {
        return fail(io, "secret " + s->name + " already exists (use faas secret update)");
    }
    if (!create && r->status == 404) {
        return fail(io, "no such secret: " + s->name);
    }
    if (r->status < 200 || r->status > 202) {
        return fail(io, http_failure(method + " /system/secrets " + s->name, *r));
    }
    io.out << (create ? "Created" : "Updated") << " secret " << s->name << ".\n";
    return kExitOk;
}

int create(const Args& args, Io& io) {
    return write_secret(args, io, true);
}

int update(const Args& args, Io& io) {
    return write_secret(args, io, false);
}

int list(const Args& args, Io& io) {
    const Listing listing = get_listing(args, io, "/system/secrets");
    if (!listing.body) {
        return listing.exit_code;
    }
    auto items = openfaas::parse_secret_list(*listing.body);
    if (!items) {
        return fail(io, "GET " + listing.target + ": unreadable answer: " + items.error().what());
    }
    std::sort(items->begin(), items->end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    io.out << "NAME\n";
    for (const auto& s : *items) {
        io.out << s.name << "\n";
    }
    return kExitOk;
}

int remove(const Args& args, Io& io) {
    if (args.positional.size() != 1) {
        return fail(io, "secret remove wants one secret name", kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    openfaas::Secret s;
    s.name = args.positional[0];
    s.namespace_ = args.value_or("namespace", "");
    const std::string body = openfaas::to_json(s);
    auto r = session.run([&] { return session.api().system("DELETE", "/system/secrets", body); });
    if (!r) {
        return fail(io, r.error());
    }
    if (r->status == 404) {
        return fail(io, "no such secret: " + s.name);
    }
    // 204 is a failure for faas-cli too: providers answer 200/202 (docs/wire-contract.md §2.1).
    if (r->status < 200 || r->status > 202) {
        return fail(io, http_failure("DELETE /system/secrets " + s.name, *r));
    }
    io.out << "Removed secret " << s.name << ".\n";
    return kExitOk;
}

}  // namespace

std::vector<Command> secret_commands() {
    std::vector<Command> out;
    out.push_back(
        Command{"secret create", "create a secret (value from a literal, a file or stdin)",
                "faas secret create NAME (--from-literal VALUE | --from-file FILE | < value)",
                "Functions read it at /var/openfaas/secrets/NAME once deployed with it\n"
                "(stack.yml secrets: or faas deploy --secret NAME).\n",
                secret_flags(true), create});
    out.push_back(
        Command{"secret update", "change a secret's value",
                "faas secret update NAME (--from-literal VALUE | --from-file FILE | < value)", "",
                secret_flags(true), update});
    out.push_back(Command{"secret list", "list secrets (names only)", "faas secret list [-n NS]",
                          "", secret_flags(false), list});
    out.push_back(Command{"secret remove", "remove a secret", "faas secret remove NAME [-n NS]", "",
                          secret_flags(false), remove});
    return out;
}

}  // namespace faas::cli
