#pragma once
// errno_text: the text of an errno value. std::strerror may hand every thread the same buffer
// (clang-tidy's concurrency-mt-unsafe); the GNU strerror_r returns a static string or fills the
// caller's own.
#include <array>
#include <cstring>
#include <string>

namespace faas {

inline std::string errno_text(int err) {
    std::array<char, 256> buf{};
    return ::strerror_r(err, buf.data(), buf.size());
}

}  // namespace faas
