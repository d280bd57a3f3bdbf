#pragma once
// Loopback ports for tests: never a fixed port.
#include <chrono>
#include <cstdint>

#include "tests/support/wait.hpp"

namespace faas::test {

// A port that was free a moment ago: binds 127.0.0.1:0, reads the port, closes. Prefer letting
// a server bind port 0 itself; use this only to tell a real binary which port to take.
std::uint16_t free_port();

// True when a TCP connection to 127.0.0.1:port succeeds right now.
bool port_accepts(std::uint16_t port);

// Waits until 127.0.0.1:port accepts connections; false when `bound` passed first.
bool wait_for_port(std::uint16_t port, std::chrono::nanoseconds bound = kMaxWait);

}  // namespace faas::test
