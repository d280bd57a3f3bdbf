#include "tests/e2e/platform.hpp"

#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

namespace faas::test {

std::string faas_path() {
    const std::string path = std::string(FAAS_BIN_DIR) + "/faas";
    REQUIRE_MESSAGE(std::filesystem::exists(path), "not built: " << path);
    return path;
}

Platform::Platform(const std::filesystem::path& stack, EnvMap extra_env) {
    port_ = free_port();
    const std::uint16_t metrics = free_port();
    ProcessOptions o;
    o.argv = {faas_path(), "up", "--port", std::to_string(port_), "--metrics-port",
              std::to_string(metrics), "--state-dir", dir_.file("state").string(), "--quiet"};
    if (stack.empty()) {
        o.argv.emplace_back("--no-examples");
    } else {
        o.argv.insert(o.argv.end(), {"--stack", stack.string()});
    }
    o.env = base_env();
    o.env["HOME"] = dir_.str();
    for (auto& [k, v] : extra_env) {
        o.env[k] = v;
    }
    o.stdout_path = dir_.file("up.out");
    o.stderr_path = dir_.file("up.err");
    up_ = std::make_unique<Process>(std::move(o));
    const bool up = wait_until(
        [&] {
            return up_->stdout_text().find("faas is up.") != std::string::npos || !up_->running();
        },
        kUpBound, std::chrono::milliseconds(50));
    REQUIRE_MESSAGE(up, "faas up did not come up in time:\n" << output());
    REQUIRE_MESSAGE(up_->running(), "faas up exited:\n" << output());
}

Platform::~Platform() {
    up_->kill_tree();
}

CliResult Platform::cli(std::vector<std::string> args, const std::string& stdin_text) const {
    const TempDir tmp;
    const auto in = tmp.write("stdin", stdin_text);
    std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" < \"$FAAS_TEST_STDIN\"",
                                  faas_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-g", url()});
    EnvMap env = base_env();
    env["FAAS_TEST_STDIN"] = in.string();
    auto r = run(std::move(argv), std::move(env), std::chrono::seconds(90));
    return CliResult{r.exit.signal == 0 ? r.exit.code : 128 + r.exit.signal, r.out, r.err};
}

Result<http::Response> Platform::call(std::string method, std::string target, std::string body,
                                      http::Headers headers) const {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = std::move(headers);
    return http_call(port_, std::move(req), std::chrono::seconds(60));
}

pid_t child_named(pid_t parent, const std::string& name) {
    for (pid_t pid : descendants(parent)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
        std::string comm;
        std::getline(in, comm);
        if (comm == name) {
            return pid;
        }
    }
    return -1;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            return line;
        }
    }
    return "";
}

std::vector<std::string> fields(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    std::string f;
    while (in >> f) {
        out.push_back(f);
    }
    return out;
}

}  // namespace faas::test
