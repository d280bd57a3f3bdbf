#pragma once
// Private to core/nats: the cnats include and the helpers jet_stream*.cpp and consumer.cpp share.
// Nothing outside core/nats includes this header.
#include <memory>
#include <string>
#include <string_view>

#include <nats/nats.h>

#include "core/log/log.hpp"
#include "core/nats/consumer.hpp"
#include "core/result.hpp"

namespace faas::nats::detail {

// "what: <cnats status text> (<last error detail>)[ (jetstream error N)]" as an Error;
// NATS_TIMEOUT maps to errc::timeout, everything else to errc::unavailable.
Error status_error(std::string_view what,
                   natsStatus s,
                   jsErrCode js_code = static_cast<jsErrCode>(0));

// Every header of `m`, values of one name in order (cnats keeps names as sent).
Headers read_headers(natsMsg* m);

// Takes ownership of `sub` (a pull subscription bound to spec.durable).
std::unique_ptr<Consumer> make_consumer(natsSubscription* sub,
                                        ConsumerSpec spec,
                                        log::Logger logger);

// Milliseconds / nanoseconds as cnats wants them.
template <class Duration>
std::int64_t to_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
template <class Duration>
std::int64_t to_ns(Duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace faas::nats::detail
