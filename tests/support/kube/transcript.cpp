#include "tests/support/kube/transcript.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/text/text.hpp"

#ifndef FAAS_KUBE_TRANSCRIPTS_DIR
#error "FAAS_KUBE_TRANSCRIPTS_DIR must be defined by the build"
#endif

namespace faas::test::kube {

namespace {

bool digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// 2026-12-07T19:52:45Z (optionally with fractional seconds).
bool timestamp(std::string_view s) {
    return s.size() >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
           s.back() == 'Z';
}

bool uid(std::string_view s) {
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (s[i] == '-') || (!dash && text::hex_digit(s[i]) < 0)) {
            return false;
        }
    }
    return true;
}

bool ipv4_in_cluster_range(std::string_view s) {
    return s.starts_with("10.96.");
}

// Keys whose string values differ between any two servers by nature.
bool volatile_string(std::string_view key, std::string_view expected, std::string_view actual) {
    if (key == "resourceVersion") {
        return digits(expected) && digits(actual);
    }
    if (key == "continue" || key == "token") {
        return !expected.empty() && !actual.empty();
    }
    if (key == "serverAddress") {
        return true;
    }
    if (key == "clusterIP" || key == "clusterIPs") {
        return ipv4_in_cluster_range(expected) && ipv4_in_cluster_range(actual);
    }
    return (timestamp(expected) && timestamp(actual)) || (uid(expected) && uid(actual));
}

std::string general(const std::string& path) {
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        out += path[i];
        if (path[i] == '[') {
            while (i + 1 < path.size() && path[i + 1] != ']') {
                ++i;
            }
        }
    }
    return out;
}

bool is_ignored(const std::string& path, const std::vector<std::string>& ignored) {
    const std::string g = general(path);
    return std::any_of(ignored.begin(), ignored.end(), [&g](const std::string& i) {
        return g == i || (g.starts_with(i) && (g[i.size()] == '.' || g[i.size()] == '['));
    });
}

struct Comparer {
    const std::vector<std::string>& ignored;
    std::vector<std::string> diffs;

    void differ(const std::string& path, const Value& expected, const Value& actual) {
        diffs.push_back((path.empty() ? "<body>" : path) + ": expected " + expected.dump() +
                        ", got " + actual.dump());
    }

    void objects(const std::string& path, const Value& expected, const Value& actual) {
        const std::string prefix = path.empty() ? "" : path + ".";
        const Value* generate = expected.find("generateName");
        for (const auto& [k, v] : expected.members()) {
            if (k == "_trimmed" || k == "managedFields" || is_ignored(prefix + k, ignored)) {
                continue;
            }
            const Value* a = actual.find(k);
            if (a == nullptr) {
                diffs.push_back(prefix + k + ": missing (expected " + v.dump() + ")");
            } else if (k == "name" && generate != nullptr &&
                       a->as_string().starts_with(generate->as_string()) &&
                       a->as_string().size() == v.as_string().size()) {
                continue;  // a generated name: same prefix and suffix length
            } else {
                values(prefix + k, k, v, *a);
            }
        }
        for (const auto& [k, v] : actual.members()) {
            if (!expected.contains(k) && k != "managedFields" && !is_ignored(prefix + k, ignored)) {
                diffs.push_back(prefix + k + ": unexpected " + v.dump());
            }
        }
    }

    void values(const std::string& path, std::string_view key, const Value& expected,
                const Value& actual) {
        if (expected.is_object() && actual.is_object()) {
            objects(path, expected, actual);
        } else if (expected.is_array() && actual.is_array()) {
            if (expected.size() != actual.size()) {
                differ(path, expected, actual);
                return;
            }
            for (std::size_t i = 0; i < expected.size(); ++i) {
                values(path + "[" + std::to_string(i) + "]", key, expected.items()[i],
                       actual.items()[i]);
            }
        } else if (expected.is_string() && actual.is_string()) {
            if (expected.as_string() != actual.as_string() &&
                !volatile_string(key, expected.as_string(), actual.as_string())) {
                differ(path, expected, actual);
            }
        } else if (!(expected == actual)) {
            differ(path, expected, actual);
        }
    }
};

Value watch_events(const std::string& body) {
    Value events = Value::array();
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        if (text::trim(line).empty()) {
            continue;
        }
        auto event = Value::parse(line);
        events.push_back(event ? std::move(event).value() : Value(line));
    }
    return events;
}

const Value& member(const Value& object, std::string_view key) {
    static const Value kNull;
    const Value* v = object.find(key);
    return v != nullptr ? *v : kNull;
}

std::string header_or_empty(const Value& headers, std::string_view name) {
    for (const auto& [k, v] : headers.members()) {
        if (text::iequals(k, name)) {
            return v.as_string();
        }
    }
    return {};
}

}  // namespace

std::string transcripts_dir() {
    return FAAS_KUBE_TRANSCRIPTS_DIR;
}

http::Request Transcript::http_request(std::string_view token) const {
    http::Request req;
    req.method = request.string_at({"method"});
    req.target = request.string_at({"path"});
    std::string query;
    for (const auto& [k, v] : member(request, "query").members()) {
        const auto keep = [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                   c == '.' || c == '~';
        };
        query += (query.empty() ? "" : "&") + text::percent_encode(k, keep) + "=" +
                 text::percent_encode(v.as_string(), keep);
    }
    if (!query.empty()) {
        req.target += "?" + query;
    }
    for (const auto& [k, v] : member(request, "headers").members()) {
        req.headers.set(k, v.as_string());
    }
    if (!token.empty()) {
        req.headers.set("Authorization", "Bearer " + std::string(token));
    }
    const Value* body = request.find("body");
    if (body != nullptr && !body->is_null()) {
        req.body = body->dump();
    }
    return req;
}

Transcript load_transcript(std::string_view file) {
    const std::string path = transcripts_dir() + "/" + std::string(file);
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("kube transcript missing: " + path);
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = Value::parse(text.str());
    if (!parsed || !parsed->contains("request") || !parsed->contains("response")) {
        throw std::runtime_error("not a kube transcript: " + path);
    }
    Transcript t;
    t.file = std::string(file);
    t.description = parsed->string_at({"description"});
    t.request = *parsed->find("request");
    t.response = *parsed->find("response");
    return t;
}

std::vector<std::string> compare_bodies(const Value& expected,
                                        const Value& actual,
                                        const std::vector<std::string>& ignored) {
    Comparer c{ignored, {}};
    c.values("", "", expected, actual);
    return std::move(c.diffs);
}

std::vector<std::string> compare_to_transcript(const Transcript& transcript,
                                               const http::Response& actual,
                                               const std::vector<std::string>& ignored) {
    std::vector<std::string> diffs;
    const auto& expected = transcript.response;
    const std::int64_t status = expected.int_at({"status"});
    if (status != actual.status) {
        diffs.push_back("status: expected " + std::to_string(status) + ", got " +
                        std::to_string(actual.status));
    }
    for (auto name : {"Content-Type", "Warning"}) {
        const std::string want = header_or_empty(member(expected, "headers"), name);
        const std::string got(actual.headers.get(name).value_or(""));
        if (want != got) {
            diffs.push_back(std::string(name) + ": expected \"" + want + "\", got \"" + got +
                            "\"");
        }
    }
    const Value& want_body = member(expected, "body");
    Value got_body;
    if (want_body.is_array()) {
        got_body = watch_events(actual.body);
    } else if (!actual.body.empty()) {
        auto parsed = Value::parse(actual.body);
        got_body = parsed ? std::move(parsed).value() : Value(actual.body);
    }
    const bool no_body = want_body.is_null() ||
                         (want_body.is_string() && want_body.as_string().empty());
    if (no_body) {
        if (!actual.body.empty()) {
            diffs.push_back("body: expected none, got " + actual.body);
        }
        return diffs;
    }
    auto body_diffs = compare_bodies(want_body, got_body, ignored);
    diffs.insert(diffs.end(), body_diffs.begin(), body_diffs.end());
    return diffs;
}

}  // namespace faas::test::kube
