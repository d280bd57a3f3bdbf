#pragma once
// A real nginx as the http-mode upstream: a config in a temp dir with fixed answers, run in the
// foreground as a single process (master_process off) so that kill -9 leaves no workers behind.
#include <cstdint>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace faas::test {

struct NginxUpstream {
    // Writes nginx.conf for 127.0.0.1:port into `dir`; /slow proxies to `blackhole_port`.
    NginxUpstream(const TempDir& dir, std::uint16_t blackhole_port);

    std::uint16_t port = 0;
    // The fprocess that runs it (no shell: split on single spaces).
    std::string command;
    std::string url;  // http://127.0.0.1:port
};

// Fails the test when /usr/sbin/nginx is not installed.
std::string nginx_path();

}  // namespace faas::test
