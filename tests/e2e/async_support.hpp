#pragma once
// What the async e2e tests run against the platform: a probe function (a python http-mode server
// that logs the start and end of each call with its X-Call-Id, and fails on demand), a callback
// receiver (tests/support/callback_receiver.hpp) and readers for both.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/http/types.hpp"
#include "tests/support/callback_receiver.hpp"

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

// A callback the receiver got.
using CallbackRequest = SeenRequest;

}  // namespace faas::test
