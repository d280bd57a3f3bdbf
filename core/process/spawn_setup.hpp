#pragma once
// SpawnSetup: RAII over posix_spawn's attribute and file-action objects, for whoever starts a
// process with posix_spawn (core's Child::start, the tests' process helper). Owned by the caller
// for the duration of one spawn; not thread-safe.
#include <spawn.h>

namespace faas::process {

struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    SpawnSetup(SpawnSetup&&) = delete;
    SpawnSetup& operator=(SpawnSetup&&) = delete;
};

}  // namespace faas::process
