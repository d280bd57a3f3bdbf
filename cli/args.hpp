#pragma once
// Command-line parsing for `faas`: each command declares its flags (FlagSpec), parse_args()
// checks argv against them and collects values. GNU-style: `--name value`, `--name=value`,
// `-n value`, boolean `--flag`/`--flag=false`, repeatable flags, `--` ends the flags.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace faas::cli {

enum class FlagKind {
    Bool,    // --replace, --replace=false
    Value,   // --gateway URL (last one wins)
    Repeat,  // -e k=v -e k2=v2 (every one kept)
};

struct FlagSpec {
    std::string name;        // long name without dashes: "gateway"
    char short_name = 0;     // 'g', or 0
    FlagKind kind = FlagKind::Value;
    std::string value_name;  // "URL", shown in help
    std::string help;
};

class Args {
public:
    bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
    // The last value given for a Value flag.
    std::optional<std::string> value(std::string_view name) const;
    std::string value_or(std::string_view name, std::string_view fallback) const;
    // Every value of a Repeat flag, in order.
    std::vector<std::string> all(std::string_view name) const;
    // A Bool flag: `fallback` when absent.
    bool flag(std::string_view name, bool fallback) const;

    std::vector<std::string> positional;
    bool help = false;

private:
    friend Result<Args> parse_args(const std::vector<std::string>& argv,
                                   const std::vector<FlagSpec>& specs);
    std::map<std::string, std::vector<std::string>> values_;
};

// Parses argv (without the program and command names). `-h`/`--help` set Args::help.
// An unknown flag, a missing value or a bad boolean is errc::bad_request with a message.
Result<Args> parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs);

// Splits "key=value" (the value may contain '='); a missing '=' or empty key is an error
// naming `what` ("--env").
Result<std::pair<std::string, std::string>> split_key_value(std::string_view text,
                                                           std::string_view what);

// The flags block of a command's help text, one flag a line.
std::string describe_flags(const std::vector<FlagSpec>& specs);

}  // namespace faas::cli
