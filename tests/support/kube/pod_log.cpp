#include "tests/support/kube/pod_log.hpp"

#include <algorithm>

namespace faas::test::kube {

PodLog::PodLog(asio::any_io_executor ex)
    : ex_(std::move(ex)), changed_(std::make_shared<async::AsyncEvent>(ex_)) {}

void PodLog::append(std::string line, util::Time at) {
    lines_.push_back(Line{at, std::move(line)});
    auto seen = std::exchange(changed_, std::make_shared<async::AsyncEvent>(ex_));
    seen->notify();
}

void PodLog::close() {
    closed_ = true;
    changed_->notify();
}

std::string PodLog::render(const Line& line, bool timestamps) const {
    std::string out;
    if (timestamps) {
        out = util::timestamp_nano(line.at) + " ";
    }
    out += line.text;
    out += '\n';
    return out;
}

std::size_t PodLog::first_index(const LogQuery& query) const {
    std::size_t first = 0;
    if (query.since) {
        const auto it = std::find_if(lines_.begin(), lines_.end(),
                                     [&](const Line& l) { return l.at >= *query.since; });
        first = static_cast<std::size_t>(it - lines_.begin());
    }
    if (query.tail_lines && *query.tail_lines >= 0) {
        const auto tail = static_cast<std::size_t>(*query.tail_lines);
        if (lines_.size() - first > tail) {
            first = lines_.size() - tail;
        }
    }
    return first;
}

awaitable<void> PodLog::serve(LogQuery query, LogWrite write) {
    std::size_t next = first_index(query);
    std::int64_t budget = query.limit_bytes.value_or(-1);
    for (;;) {
        while (next < lines_.size()) {
            std::string piece = render(lines_[next++], query.timestamps);
            if (budget >= 0 && static_cast<std::int64_t>(piece.size()) >= budget) {
                piece.resize(static_cast<std::size_t>(budget));
                co_await write(piece);
                co_return;  // limitBytes reached
            }
            budget -= budget >= 0 ? static_cast<std::int64_t>(piece.size()) : 0;
            if (!co_await write(piece)) {
                co_return;
            }
        }
        if (!query.follow || closed_) {
            co_return;
        }
        const std::shared_ptr<async::AsyncEvent> changed = changed_;
        co_await changed->wait();
    }
}

}  // namespace faas::test::kube
