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

std::string_view outcome_name(CallOutcome outcome) noexcept {
    switch (outcome) {
        case CallOutcome::Succeeded:
            return "succeeded";
        case CallOutcome::Failed:
            return "failed";
        case CallOutcome::DeadLettered:
            return "dead_lettered";
        case CallOutcome::Expired:
            return "expired";
    }
    return "unknown";
}

Metrics::PerFunction& Metrics::of(const std::string& function) {
    auto it = functions_.find(function);
    if (it == functions_.end()) {
        it = functions_.emplace(function, PerFunction{}).first;
    }
    return it->second;
}

void Metrics::call(const std::string& function, CallOutcome outcome, double latency_seconds) {
    PerFunction& f = of(function);
    auto& counter = f.calls.at(static_cast<std::size_t>(outcome));
    if (counter == nullptr) {
        counter =
            &calls.Add({{"function", function}, {"outcome", std::string(outcome_name(outcome))}});
    }
    counter->Increment();
    if (latency_seconds >= 0) {
        if (f.latency == nullptr) {
            f.latency = &latency.Add({{"function", function}}, kLatencyBuckets);
        }
        f.latency->Observe(latency_seconds);
    }
}

void Metrics::retry(const std::string& function) {
    PerFunction& f = of(function);
    if (f.retries == nullptr) {
        f.retries = &retries.Add({{"function", function}});
    }
    f.retries->Increment();
}

void Metrics::dead_letter(const std::string& function) {
    PerFunction& f = of(function);
    if (f.dead_letters == nullptr) {
        f.dead_letters = &dead_letters.Add({{"function", function}});
    }
    f.dead_letters->Increment();
}

void Metrics::callback(std::string_view result) {
    auto it = callbacks_.find(std::string(result));
    if (it == callbacks_.end()) {
        const std::string label(result);
        it = callbacks_.emplace(label, &callbacks.Add({{"result", label}})).first;
    }
    it->second->Increment();
}

void Metrics::set_depth(const std::string& queue, double messages) {
    auto& g = depth_[queue];
    if (g == nullptr) {
        g = &depth.Add({{"queue", queue}});
    }
    g->Set(messages);
}

}  // namespace faas::queue_worker
