#include "queue-worker/metrics.hpp"

namespace faas::queue_worker {

namespace {

// Async calls wait in the queue: seconds to hours.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets{.01, .05, .1, .25, .5,  1,    2.5,  5,
                                                              10,  30,  60, 300, 900, 3600, 21600};

}  // namespace

Metrics::Metrics()
    : depth(prometheus::BuildGauge()
                .Name("faas_queue_depth")
                .Help("Messages stored for the queue")
                .Register(registry)),
      inflight(prometheus::BuildGauge()
                   .Name("faas_queue_inflight")
                   .Help("Messages this worker holds (waiting for a limit or being called)")
                   .Register(registry)
                   .Add({})),
      calls(prometheus::BuildCounter()
                .Name("faas_queue_calls_total")
                .Help("Async calls finished, by final outcome")
                .Register(registry)),
      retries(prometheus::BuildCounter()
                  .Name("faas_queue_retries_total")
                  .Help("Attempts that failed and were scheduled again")
                  .Register(registry)),
      dead_letters(prometheus::BuildCounter()
                       .Name("faas_queue_dead_letters_total")
                       .Help("Calls moved to the dead-letter stream")
                       .Register(registry)),
      callbacks(prometheus::BuildCounter()
                    .Name("faas_callbacks_total")
                    .Help("Callbacks by result")
                    .Register(registry)),
      latency(prometheus::BuildHistogram()
                  .Name("faas_async_latency_seconds")
                  .Help("From enqueue to the call's final outcome")
                  .Register(registry)),
      status_failures(prometheus::BuildCounter()
                          .Name("faas_queue_status_write_failures_total")
                          .Help("Call status records that could not be written")
                          .Register(registry)
                          .Add({})),
      bad_messages(prometheus::BuildCounter()
                       .Name("faas_queue_bad_messages_total")
                       .Help("Undecodable queue messages, terminated")
                       .Register(registry)
                       .Add({})) {}

void Metrics::call(const std::string& function, std::string_view outcome, double latency_seconds) {
    calls.Add({{"function", function}, {"outcome", std::string(outcome)}}).Increment();
    if (latency_seconds >= 0) {
        latency.Add({{"function", function}}, kLatencyBuckets).Observe(latency_seconds);
    }
}

void Metrics::retry(const std::string& function) {
    retries.Add({{"function", function}}).Increment();
}

void Metrics::dead_letter(const std::string& function) {
    dead_letters.Add({{"function", function}}).Increment();
}

void Metrics::callback(std::string_view result) {
    callbacks.Add({{"result", std::string(result)}}).Increment();
}

void Metrics::set_depth(const std::string& queue, double messages) {
    auto& g = depth_[queue];
    if (g == nullptr) {
        g = &depth.Add({{"queue", queue}});
    }
    g->Set(messages);
}

}  // namespace faas::queue_worker
