#pragma once
// PodLog: one container's log as the kubelet keeps it (every stdout/stderr line with the time
// it was read) and how GET pods/<pod>/log reads it: timestamps, tailLines, sinceSeconds,
// sinceTime, limitBytes, follow (new lines until the container ends or the client leaves).
// Server thread only; shared by the kubelet's pod worker and the log requests that follow it.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/async/async_event.hpp"
#include "tests/support/kube/controller_util.hpp"
#include "tests/support/kube/server.hpp"

namespace faas::test::kube {

struct LogQuery {
    bool follow = false;
    bool timestamps = false;
    std::optional<std::int64_t> tail_lines;
    std::optional<util::Time> since;  // sinceSeconds (from now) or sinceTime
    std::optional<std::int64_t> limit_bytes;
};

class PodLog {
public:
    explicit PodLog(asio::any_io_executor ex);

    void append(std::string line, util::Time at);
    // The container has ended for good: followers finish.
    void close();
    bool closed() const noexcept { return closed_; }

    // Writes what `query` selects; with follow, keeps writing new lines until close() or until
    // `write` returns false.
    awaitable<void> serve(LogQuery query, LogWrite write);

private:
    struct Line {
        util::Time at;
        std::string text;
    };
    std::string render(const Line& line, bool timestamps) const;
    std::size_t first_index(const LogQuery& query) const;

    asio::any_io_executor ex_;
    std::vector<Line> lines_;
    bool closed_ = false;
    // Replaced on each append: followers wait on the one they saw.
    std::shared_ptr<async::AsyncEvent> changed_;
};

}  // namespace faas::test::kube
