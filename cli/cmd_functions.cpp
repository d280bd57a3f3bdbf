// faas deploy, remove, scale, ready.
#include <algorithm>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/deploy.hpp"
#include "core/config/env.hpp"

namespace faas::cli {
namespace {

Result<std::map<std::string, std::string>> key_values(const Args& args, std::string_view flag) {
    std::map<std::string, std::string> out;
    for (const auto& kv : args.all(flag)) {
        auto p = split_key_value(kv, "--" + std::string(flag));
        if (!p) {
            return p.error();
        }
        out[p->first] = p->second;
    }
    return out;
}

// --- deploy ---

// --env, --label, --annotation, --secret, --constraint and --namespace over the stack's.
Result<DeployOverrides> deploy_overrides(const Args& args) {
    DeployOverrides overrides;
    for (auto [flag, target] : {std::pair{"env", &overrides.env},
                                std::pair{"label", &overrides.labels},
                                std::pair{"annotation", &overrides.annotations}}) {
        auto kv = key_values(args, flag);
        if (!kv) {
            return kv.error();
        }
        *target = std::move(*kv);
    }
    overrides.secrets = args.all("secret");
    overrides.constraints = args.all("constraint");
    overrides.namespace_ = args.value_or("namespace", "");
    return overrides;
}

// The stack's functions (those --filter names), how to deploy them and how long to wait.
Result<DeployPlan> deploy_plan(const Args& args,
                               const Stack& stack,
                               const DeployOverrides& overrides,
                               const std::string& file) {
    const auto filters = args.all("filter");
    DeployPlan plan;
    for (const auto& fn : stack.functions) {
        if (filters.empty() ||
            std::find(filters.begin(), filters.end(), fn.name) != filters.end()) {
            plan.functions.push_back(to_deployment(fn, overrides));
        }
    }
    if (plan.functions.empty()) {
        return make_error(errc::bad_request, "no function in " + file + " matches --filter");
    }
    if (args.flag("replace", false)) {
        plan.mode = DeployMode::Replace;
    } else if (!args.flag("update", true)) {
        plan.mode = DeployMode::Create;
    }
    plan.wait = args.flag("wait", true) && !args.flag("no-wait", false);
    auto timeout = duration_flag(args, "timeout", std::chrono::seconds(60));
    if (!timeout) {
        return timeout.error();
    }
    plan.wait_timeout = *timeout;
    return plan;
}

// The gateway of --gateway or OPENFAAS_URL, else the stack's provider.gateway (with the
// credentials found for the first).
Result<GatewayConfig> deploy_gateway(const Args& args,
                                     const Io& io,
                                     const Stack& stack,
                                     const std::string& file) {
    auto gw = gateway_from(args, io);
    if (!gw) {
        return gw.error();
    }
    if (!args.has("gateway") && !io.env("OPENFAAS_URL") && !stack.gateway.empty()) {
        auto from_stack = gateway_config(stack.gateway);
        if (!from_stack) {
            return make_error(errc::bad_request,
                              file + ": provider.gateway: " + from_stack.error().what());
        }
        from_stack->username = gw->username;
        from_stack->password = gw->password;
        gw = std::move(from_stack);
    }
    return gw;
}

int deploy(const Args& args, Io& io) {
    if (!args.positional.empty()) {
        return fail(io, "deploy takes no arguments (use -f stack.yml, --filter NAME)", kExitUsage);
    }
    const std::string file = args.value_or("yaml", "stack.yml");
    auto stack = load_stack(file, io.env, args.flag("envsubst", true));
    if (!stack) {
        return fail(io, stack.error().what(), kExitUsage);
    }
    auto overrides = deploy_overrides(args);
    if (!overrides) {
        return fail(io, overrides.error().what(), kExitUsage);
    }
    auto plan = deploy_plan(args, *stack, *overrides, file);
    if (!plan) {
        return fail(io, plan.error().what(), kExitUsage);
    }
    auto gw = deploy_gateway(args, io, *stack, file);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    auto report = session.run([&] {
        return deploy_all(session.api(), *plan, io.out, io.err, io.err_is_terminal);
    });
    return report.failed == 0 ? kExitOk : kExitFailed;
}

// --- remove ---

int remove(const Args& args, Io& io) {
    if (args.positional.empty()) {
        return fail(io, "remove wants one or more function names", kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    int rc = kExitOk;
    for (const auto& arg : args.positional) {
        const auto qn = name_and_namespace(arg, args);
        openfaas::DeleteFunctionRequest del;
        del.function_name = qn.name;
        del.namespace_ = qn.namespace_;
        const std::string body = openfaas::to_json(del);
        auto r = session.run(
            [&] { return session.api().system("DELETE", "/system/functions", body); });
        if (!r) {
            return fail(io, r.error());
        }
        if (r->status == 404) {
            rc = fail(io, "no such function: " + qn.name);
            continue;
        }
        if (r->status < 200 || r->status > 202) {
            rc = fail(io, http_failure("DELETE /system/functions " + qn.name, *r));
            continue;
        }
        io.out << "Removed " << qn.name << ".\n";
    }
    return rc;
}

// --- scale ---

int scale(const Args& args, Io& io) {
    if (args.positional.size() != 1 || !args.has("replicas")) {
        return fail(io, "usage: faas scale NAME --replicas N", kExitUsage);
    }
    const auto qn = name_and_namespace(args.positional[0], args);
    const std::string n = *args.value("replicas");
    std::uint64_t replicas = 0;
    try {
        std::size_t used = 0;
        const long long v = std::stoll(n, &used);
        if (used != n.size() || v < 0) {
            throw std::invalid_argument(n);
        }
        replicas = static_cast<std::uint64_t>(v);
    } catch (const std::exception&) {
        return fail(io, "--replicas wants a number >= 0, not \"" + n + "\"", kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    openfaas::ScaleServiceRequest req;
    req.service_name = qn.name;
    req.replicas = replicas;
    req.namespace_ = qn.namespace_;
    const std::string body = openfaas::to_json(req);
    std::string target = "/system/scale-function/" + url_encode(qn.name);
    if (!qn.namespace_.empty()) {
        target += "?namespace=" + url_encode(qn.namespace_);
    }
    auto r = session.run([&] { return session.api().system("POST", target, body); });
    if (!r) {
        return fail(io, r.error());
    }
    if (r->status == 404) {
        return fail(io, "no such function: " + qn.name);
    }
    if (r->status < 200 || r->status > 202) {
        return fail(io, http_failure("POST " + target, *r));
    }
    io.out << "Scaled " << qn.name << " to " << replicas << " replica"
           << (replicas == 1 ? "" : "s") << ".\n";
    return kExitOk;
}

// --- ready ---

int ready(const Args& args, Io& io) {
    if (args.positional.size() > 1) {
        return fail(io, "ready takes at most one function name", kExitUsage);
    }
    auto timeout = duration_flag(args, "timeout", std::chrono::seconds(60));
    if (!timeout) {
        return fail(io, timeout.error().what(), kExitUsage);
    }
    auto gw = gateway_from(args, io);
    if (!gw) {
        return fail(io, gw.error().what(), kExitUsage);
    }
    Session session(std::move(*gw));
    auto healthy = session.run([&] { return wait_healthy(session.api(), *timeout); });
    if (!healthy) {
        return fail(io, healthy.error());
    }
    if (args.positional.empty()) {
        io.out << "The gateway at " << session.api().config().url << " is ready.\n";
        return kExitOk;
    }
    const auto qn = name_and_namespace(args.positional[0], args);
    auto r = session.run([&] {
        return wait_ready(session.api(), qn.name, qn.namespace_, *timeout, nullptr);
    });
    if (!r) {
        return fail(io, r.error());
    }
    io.out << qn.name << " is ready.\n";
    return kExitOk;
}

}  // namespace

std::vector<Command> function_commands() {
    std::vector<Command> out;
    out.push_back(Command{
        "deploy", "deploy the functions of a stack.yml (update, or create when absent)",
        "faas deploy [-f stack.yml] [--filter NAME] [flags]",
        "Reads the faas-cli stack.yml schema (version 1.0, provider name openfaas), with ${VAR}\n"
        "and ${VAR:-default} substitution. Relative handler and environment_file paths are\n"
        "resolved against the stack file's directory; an existing handler directory becomes the\n"
        "function's working directory (annotation com.faas.local.workdir). After deploying, it\n"
        "waits until every function has a ready replica (--no-wait to skip).\n",
        with_gateway({
            {"yaml", 'f', FlagKind::Value, "FILE", "stack file (default stack.yml)"},
            {"filter", 0, FlagKind::Repeat, "NAME", "deploy only this function (repeatable)"},
            {"replace", 0, FlagKind::Bool, "", "remove, then create each function"},
            {"update", 0, FlagKind::Bool, "",
             "update existing functions (default true; =false: create only)"},
            {"env", 'e', FlagKind::Repeat, "KEY=VALUE", "extra environment variable"},
            {"label", 'l', FlagKind::Repeat, "KEY=VALUE", "extra label"},
            {"annotation", 0, FlagKind::Repeat, "KEY=VALUE", "extra annotation"},
            {"secret", 0, FlagKind::Repeat, "NAME", "extra secret"},
            {"constraint", 0, FlagKind::Repeat, "EXPR",
             "placement constraint (replaces the stack's)"},
            {"namespace", 'n', FlagKind::Value, "NS", "namespace for every function"},
            {"wait", 0, FlagKind::Bool, "", "wait for a ready replica (default true)"},
            {"no-wait", 0, FlagKind::Bool, "", "do not wait"},
            {"timeout", 0, FlagKind::Value, "DURATION", "how long to wait (default 60s)"},
            {"envsubst", 0, FlagKind::Bool, "",
             "substitute ${VAR} in the stack file (default true)"},
        }),
        deploy});
    out.push_back(Command{"remove", "remove functions", "faas remove NAME... [-n NS]", "",
                          with_gateway({{"namespace", 'n', FlagKind::Value, "NS", "namespace"}}),
                          remove});
    out.push_back(Command{"scale", "set a function's replica count (0 is allowed)",
                          "faas scale NAME --replicas N [-n NS]", "",
                          with_gateway({
                              {"replicas", 'r', FlagKind::Value, "N", "replica count"},
                              {"namespace", 'n', FlagKind::Value, "NS", "namespace"},
                          }),
                          scale});
    out.push_back(Command{"ready", "wait until the gateway (and a function) is ready",
                          "faas ready [NAME] [--timeout 60s]", "",
                          with_gateway({
                              {"timeout", 0, FlagKind::Value, "DURATION",
                               "how long to wait (default 60s)"},
                              {"namespace", 'n', FlagKind::Value, "NS", "namespace"},
                          }),
                          ready});
    return out;
}

}  // namespace faas::cli