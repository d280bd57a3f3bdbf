#include "tests/e2e/async_support.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/support/wait.hpp"

namespace faas::test {

const char* const kProbeServer = R"PY(import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = os.environ["probe_name"]
DIR = os.environ["probe_dir"]
SLEEP = int(os.environ.get("sleep_ms") or 0) / 1000.0
FAIL_FIRST = int(os.environ.get("fail_first") or 0)
LOG = os.path.join(DIR, NAME + ".log")
FAIL = os.path.join(DIR, NAME + ".fail")
lock = threading.Lock()
attempts = {}


def record(kind, call_id):
    with lock, open(LOG, "a") as f:
        f.write("%s %s %d\n" % (kind, call_id, time.monotonic_ns()))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        call_id = self.headers.get("X-Call-Id") or "-"
        record("start", call_id)
        with lock:
            attempts[call_id] = attempts.get(call_id, 0) + 1
            n = attempts[call_id]
        status = 200
        if os.path.exists(FAIL):
            with open(FAIL) as f:
                status = int(f.read().strip() or 503)
        elif n <= FAIL_FIRST:
            status = 503
        time.sleep(SLEEP)
        out = b"done " + call_id.encode() + b" " + body if status == 200 else b"failing"
        record("end", call_id)
        self.send_response(status)
        self.send_header("Content-Type", "text/x-probe")
        self.send_header("X-Probe", NAME)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
)PY";

std::string probe_function(const std::string& name,
                           const std::map<std::string, std::string>& env,
                           const std::map<std::string, std::string>& annotations) {
    std::string out = "  " + name +
                      ":\n"
                      "    handler: ./probe\n"
                      "    image: test/probe:1\n"
                      "    fprocess: python3 server.py\n"
                      "    environment:\n"
                      "      mode: http\n"
                      "      upstream_url: http://127.0.0.1:0\n"
                      "      probe_name: " +
                      name + "\n      probe_dir: ${PROBE_DIR}\n";
    for (const auto& [k, v] : env) {
        out += "      " + k + ": \"" + v + "\"\n";
    }
    if (!annotations.empty()) {
        out += "    annotations:\n";
        for (const auto& [k, v] : annotations) {
            out += "      " + k + ": \"" + v + "\"\n";
        }
    }
    return out;
}

std::string probe_stack(const std::vector<std::string>& functions) {
    std::string out = "version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n";
    for (const auto& f : functions) {
        out += f;
    }
    return out;
}

std::vector<ProbeEvent> probe_events(const std::filesystem::path& log) {
    std::vector<ProbeEvent> out;
    std::ifstream in(log);
    std::string kind;
    ProbeEvent e;
    while (in >> kind >> e.call_id >> e.ns) {
        e.start = kind == "start";
        out.push_back(e);
    }
    return out;
}

int max_running(std::vector<ProbeEvent> events) {
    // At the same instant an end is counted before a start.
    std::sort(events.begin(), events.end(), [](const ProbeEvent& a, const ProbeEvent& b) {
        return a.ns != b.ns ? a.ns < b.ns : (!a.start && b.start);
    });
    int running = 0;
    int most = 0;
    for (const auto& e : events) {
        running += e.start ? 1 : -1;
        most = std::max(most, running);
    }
    return most;
}

std::map<std::string, int> starts_per_call(const std::vector<ProbeEvent>& events) {
    std::map<std::string, int> out;
    for (const auto& e : events) {
        if (e.start) {
            ++out[e.call_id];
        }
    }
    return out;
}

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace faas::test
