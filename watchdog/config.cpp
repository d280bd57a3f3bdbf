#include "watchdog/config.hpp"

#include <arpa/inet.h>

#include <filesystem>
#include <thread>

#include "core/text/text.hpp"

namespace faas::watchdog {

const char* mode_name(Mode m) noexcept {
    switch (m) {
        case Mode::Classic: return "classic";
        case Mode::Serializing: return "serializing";
        case Mode::Streaming: return "streaming";
        case Mode::Http: return "http";
        case Mode::Static: return "static";
    }
    return "unknown";
}

namespace {

Mode parse_mode(const std::optional<std::string>& value) {
    if (!value || value->empty()) {
        return Mode::Classic;
    }
    const std::string& v = *value;
    if (v == "classic") {
        return Mode::Classic;
    }
    if (v == "serializing") {
        return Mode::Serializing;
    }
    if (v == "streaming") {
        return Mode::Streaming;
    }
    if (v == "http") {
        return Mode::Http;
    }
    if (v == "static") {
        return Mode::Static;
    }
    throw config::ConfigError("mode=" + v +
                              ": expected classic, serializing, streaming, http or static");
}

std::string lock_file_path(const config::Env& env) {
    std::string dir = env.string("TMPDIR");
    if (dir.empty() || !std::filesystem::is_directory(dir)) {
        dir = "/tmp";
    }
    return (std::filesystem::path(dir) / ".lock").string();
}

// The command to run and, in http and static modes, where the function answers.
void load_command(Config& c, const config::Env& env) {
    c.fprocess = env.string("function_process", env.string("fprocess"));
    c.argv = text::split_spaces(c.fprocess);
    if (c.mode != Mode::Static && c.argv.empty()) {
        throw config::ConfigError(
            "fprocess is required: the command to run, e.g. fprocess=cat (or function_process)");
    }
    c.upstream_url = env.string("http_upstream_url", env.string("upstream_url"));
    if (c.mode == Mode::Http && c.upstream_url.empty()) {
        throw config::ConfigError(
            "upstream_url is required in http mode, e.g. upstream_url=http://127.0.0.1:5000");
    }
    c.static_path = env.string("static_path", "/home/app/public");
}

// Ports and timeouts (`of`: the of-watchdog's defaults, for every mode but classic).
void load_server(Config& c, const config::Env& env, bool of) {
    using std::chrono::seconds;
    c.port = static_cast<std::uint16_t>(env.integer("port", 8080, 0, 65535));
    c.bind_address = env.string("bind_address", "0.0.0.0");
    in_addr parsed{};
    if (::inet_pton(AF_INET, c.bind_address.c_str(), &parsed) != 1) {
        throw config::ConfigError("bind_address=" + c.bind_address +
                                  ": expected an IPv4 address, e.g. 127.0.1.5");
    }
    c.metrics_port = static_cast<int>(env.integer("metrics_port", 8081, -1, 65535));
    c.read_timeout = env.duration("read_timeout", seconds(30));
    c.write_timeout = env.duration("write_timeout", seconds(30));
    if (c.write_timeout.count() == 0) {
        c.write_timeout = seconds(30);
    }
    if (c.read_timeout.count() == 0) {
        c.read_timeout = seconds(30);
    }
    c.exec_timeout = env.duration("exec_timeout", of ? seconds(30) : seconds(0));
    c.healthcheck_interval = env.duration("healthcheck_interval", c.write_timeout);
}

// The switches, the content type, and the logs.
void load_behaviour(Config& c, const config::Env& env, bool of) {
    // The classic watchdog accepts only the literal "true"; of-watchdog uses Go's ParseBool.
    const auto flag = [&](const char* name, bool fallback) {
        return of ? env.go_bool(name, fallback) : env.flag(name, fallback);
    };
    c.write_debug = flag("write_debug", false);
    c.combine_output = of ? false : flag("combine_output", true);
    c.marshal_request = flag("marshal_request", false);
    c.cgi_headers = flag("cgi_headers", true);
    c.suppress_lock = flag("suppress_lock", false);
    c.prefix_logs = env.go_bool("prefix_logs", true);
    c.log_callid = env.go_bool("log_callid", env.go_bool("log_call_id", false));
    if (auto ct = env.get("content_type"); ct && !ct->empty()) {
        c.content_type = *ct;
    } else if (of) {
        c.content_type = "application/octet-stream";
    }
    c.max_inflight = static_cast<std::uint64_t>(env.integer("max_inflight", 0, 0, 1'000'000));
    const auto log_buffer = env.integer("log_buffer_size", std::int64_t{64} * 1024, -1, 1LL << 30);
    c.log_buffer_size =
        log_buffer < 0 ? std::size_t{1} << 30U : static_cast<std::size_t>(log_buffer);
    c.ready_path = env.string("ready_path");
}

// Body and output sizes, processes started ahead, and threads.
void load_limits(Config& c, const config::Env& env) {
    const bool buffered = c.forks_per_request();
    c.max_request_size = env.bytes("max_request_size", buffered ? 32ULL << 20U : 0);
    c.max_output_size = env.bytes("max_output_size", buffered ? 64ULL << 20U : 0);
    c.prespawn = static_cast<std::size_t>(env.integer("prespawn", 0, 0, 4096));
    if (c.prespawn > 0 && !buffered) {
        throw config::ConfigError("prespawn=" + std::to_string(c.prespawn) +
                                  ": only classic and serializing modes fork per request");
    }
    const auto cpus = std::max(1U, std::thread::hardware_concurrency());
    c.threads = static_cast<std::size_t>(env.integer("threads", cpus, 1, 256));
}

}  // namespace

Config load(const config::Env& env) {
    Config c;
    c.mode = parse_mode(env.get("mode"));
    const bool of = c.mode != Mode::Classic;
    load_command(c, env);
    load_server(c, env, of);
    load_behaviour(c, env, of);
    load_limits(c, env);
    c.log_level = env.string("log_level", "info");
    c.lock_path = lock_file_path(env);
    return c;
}

}  // namespace faas::watchdog
