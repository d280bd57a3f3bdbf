// Version strings compiled in by gateway/CMakeLists.txt (FAAS_VERSION, FAAS_GIT_SHA).
#include "gateway/context.hpp"

#ifndef FAAS_VERSION
#define FAAS_VERSION "0.0.0"
#endif
#ifndef FAAS_GIT_SHA
#define FAAS_GIT_SHA "unknown"
#endif

namespace faas::gateway {

const char* version_release() noexcept { return FAAS_VERSION; }
const char* version_sha() noexcept { return FAAS_GIT_SHA; }

const char* build_arch() noexcept {
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__arm__)
    return "arm";
#elif defined(__i386__)
    return "386";
#else
    return "unknown";
#endif
}

}  // namespace faas::gateway
