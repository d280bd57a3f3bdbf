#pragma once
// What the async e2e tests run against the platform: a probe function (a python http-mode server
// that logs the start and end of each call with its X-Call-Id, and fails on demand), a callback
// receiver (core's HTTP server on a loopback port, in the test process) and readers for both.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/http/types.hpp"
#include "tests/support/test_server.hpp"

namespace faas::test {

// The probe's server.py. Its environment: probe_name (names its log <probe_dir>/<name>.log),
// probe_dir, sleep_ms (how long each call takes), fail_first (the first N attempts of each call
// id answer 503). While <probe_dir>/<name>.fail exists, every call answers the status written
// in it. Answers 200 "done <call id> <body>" with Content-Type text/x-probe and X-Probe: name.
extern const char* const kProbeServer;

// A stack entry for the probe with extra environment variables and annotations.
std::string probe_function(const std::string& name,
                           const std::map<std::string, std::string>& env,
                           const std::map<std::string, std::string>& annotations);
// A stack file with those entries; the handler directory ./probe must hold kProbeServer.
std::string probe_stack(const std::vector<std::string>& functions);

struct ProbeEvent {
    bool start = false;
    std::string call_id;
    std::int64_t ns = 0;  // CLOCK_MONOTONIC, comparable with std::chrono::steady_clock
};
std::vector<ProbeEvent> probe_events(const std::filesystem::path& log);
// The most calls running at once, from the start/end events.
int max_running(std::vector<ProbeEvent> events);
// How many times each call id was started.
std::map<std::string, int> starts_per_call(const std::vector<ProbeEvent>& events);
std::int64_t steady_ns();

struct CallbackRequest {
    std::string target;
    http::Headers headers;
    std::string body;
};

// Receives callbacks: every POST is recorded and answered 200.
class CallbackReceiver {
public:
    CallbackReceiver();
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/cb"; }
    std::vector<CallbackRequest> received() const;
    // The callbacks of one call id.
    std::vector<CallbackRequest> for_call(const std::string& call_id) const;
    // Call ids that got a callback with X-Function-Status `status`.
    std::map<std::string, int> call_ids_with_status(const std::string& status) const;
    // Waits until every id of `ids` got a callback with X-Function-Status `status`.
    bool wait_all(const std::vector<std::string>& ids,
                  const std::string& status,
                  std::chrono::nanoseconds bound) const;

private:
    struct State {
        mutable std::mutex mu;
        std::vector<CallbackRequest> received;
    };
    std::shared_ptr<State> state_;
    TestServer server_;
};

}  // namespace faas::test
