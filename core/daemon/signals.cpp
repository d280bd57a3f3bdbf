#include "core/daemon/signals.hpp"

#include <csignal>
#include <utility>

namespace faas::daemon {

StopSignals::StopSignals(asio::io_context& control, Stop stop, Again again)
    : signals_(control, SIGTERM, SIGINT), stop_(std::move(stop)), again_(std::move(again)) {
    arm();
}

void StopSignals::arm() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        // Cancelled: the set is being destroyed with the io_context's work.
        if (ec) {
            return;
        }
        received(signal);
        arm();
    });
}

void StopSignals::received(int signal) {
    if (!stopping_) {
        stopping_ = true;
        asio::co_spawn(signals_.get_executor(), stop_(signal), asio::detached);
    } else if (again_) {
        again_(signal);
    }
}

}  // namespace faas::daemon
