#include "cli/args.hpp"

#include <algorithm>

namespace faas::cli {
namespace {

const FlagSpec* find_long(const std::vector<FlagSpec>& specs, std::string_view name) {
    auto it = std::find_if(specs.begin(), specs.end(),
                           [&](const FlagSpec& s) { return s.name == name; });
    return it == specs.end() ? nullptr : &*it;
}

const FlagSpec* find_short(const std::vector<FlagSpec>& specs, char c) {
    auto it = std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& s) {
        return s.short_name != 0 && s.short_name == c;
    });
    return it == specs.end() ? nullptr : &*it;
}

std::optional<bool> parse_bool(std::string_view v) {
    if (v == "true" || v == "1" || v == "yes") {
        return true;
    }
    if (v == "false" || v == "0" || v == "no") {
        return false;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> Args::value(std::string_view name) const {
    auto it = values_.find(std::string(name));
    if (it == values_.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second.back();
}

std::string Args::value_or(std::string_view name, std::string_view fallback) const {
    auto v = value(name);
    return v ? *v : std::string(fallback);
}

std::vector<std::string> Args::all(std::string_view name) const {
    auto it = values_.find(std::string(name));
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::flag(std::string_view name, bool fallback) const {
    auto v = value(name);
    return v ? *v == "true" : fallback;
}

namespace {

// A flag argument as given: its spec (null when unknown), a value given with it ("--n=v",
// "-nv"), and the flag as shown in messages.
struct FlagArg {
    const FlagSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown;
};

FlagArg read_flag(const std::string& arg, const std::vector<FlagSpec>& specs) {
    FlagArg out;
    out.shown = arg;
    if (arg.rfind("--", 0) == 0) {
        std::string_view body = std::string_view(arg).substr(2);
        const auto eq = body.find('=');
        if (eq != std::string_view::npos) {
            out.inline_value = std::string(body.substr(eq + 1));
            body = body.substr(0, eq);
            out.shown = "--" + std::string(body);
        }
        out.spec = find_long(specs, body);
    } else {
        out.spec = find_short(specs, arg[1]);
        out.shown = arg.substr(0, 2);
        if (arg.size() > 2) {
            // -nvalue or -n=value
            out.inline_value = arg.substr(arg[2] == '=' ? 3 : 2);
        }
    }
    return out;
}

// A boolean flag's value: "true" alone, else its inline value read as a boolean.
Result<std::string> bool_value(const FlagArg& flag) {
    if (!flag.inline_value) {
        return std::string("true");
    }
    auto b = parse_bool(*flag.inline_value);
    if (!b) {
        return make_error(errc::bad_request,
                          flag.shown + " wants true or false, not \"" + *flag.inline_value + "\"");
    }
    return std::string(*b ? "true" : "false");
}

}  // namespace

Result<Args> parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs) {
    Args out;
    bool flags_done = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (flags_done || arg.size() < 2 || arg[0] != '-') {
            out.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            flags_done = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            out.help = true;
            continue;
        }
        const FlagArg flag = read_flag(arg, specs);
        const FlagSpec* spec = flag.spec;
        if (spec == nullptr) {
            return make_error(errc::bad_request, "unknown flag " + flag.shown);
        }
        auto& slot = out.values_[spec->name];
        if (spec->kind == FlagKind::Bool) {
            auto b = bool_value(flag);
            if (!b) {
                return b.error();
            }
            slot.assign(1, *b);
            continue;
        }
        std::string value;
        if (flag.inline_value) {
            value = *flag.inline_value;
        } else if (i + 1 < argv.size()) {
            value = argv[++i];
        } else {
            return make_error(errc::bad_request, flag.shown + " needs a value (" +
                                                     (spec->value_name.empty() ? "VALUE"
                                                                               : spec->value_name) +
                                                     ")");
        }
        slot.push_back(std::move(value));
    }
    return out;
}

Result<std::pair<std::string, std::string>> split_key_value(std::string_view text,
                                                           std::string_view what) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return make_error(errc::bad_request, std::string(what) + " wants KEY=VALUE, not \"" +
                                                 std::string(text) + "\"");
    }
    return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

std::string describe_flags(const std::vector<FlagSpec>& specs) {
    std::vector<std::pair<std::string, std::string>> rows;
    std::size_t width = 0;
    for (const auto& s : specs) {
        std::string left = s.short_name != 0 ? std::string("-") + s.short_name + ", " : "    ";
        left += "--" + s.name;
        if (s.kind != FlagKind::Bool) {
            left += " " + (s.value_name.empty() ? std::string("VALUE") : s.value_name);
        }
        width = std::max(width, left.size());
        rows.emplace_back(std::move(left), s.help);
    }
    std::string out;
    for (const auto& [left, help] : rows) {
        out += "  ";
        out += left;
        out.append(width - left.size() + 2, ' ');
        out += help;
        out += '\n';
    }
    out += "  -h, --help" + std::string(width > 10 ? width - 10 + 2 : 2, ' ') + "this help\n";
    return out;
}

}  // namespace faas::cli
