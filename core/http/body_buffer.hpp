#pragma once
// Internal to core/http's Beast units: free space for reading a message body.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/optional/optional.hpp>

namespace faas::http::detail {

// Beast reads min(max(512, free space), 64 KiB) bytes per call, and a connection's buffer is
// sized by the small heads it has read: without this a large body arrives 512 bytes per
// syscall (measured: 131k recvmsg calls for 64 MiB). Called before each body read with the
// parser's content_length_remaining(): a small body costs no extra memory.
inline void make_room_for_body(boost::beast::flat_buffer& b,
                               const boost::optional<std::uint64_t>& remaining) {
    constexpr std::size_t kRoom = std::size_t{64} * 1024U;
    const std::size_t want =
        remaining ? static_cast<std::size_t>(std::min<std::uint64_t>(*remaining, kRoom)) : kRoom;
    if (want > 4096 && b.capacity() - b.size() < want) {
        b.reserve(b.size() + want);
    }
}

}  // namespace faas::http::detail
