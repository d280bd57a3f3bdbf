#!/usr/bin/env bash
# Configures and builds faas with Ninja, at most 2 parallel jobs.
#   scripts/build.sh [release]   -> build/       RelWithDebInfo, executables in build/bin/
#   scripts/build.sh sanitize    -> build-asan/  Debug (-O0 -g) with ASan+UBSan and -Werror
# Extra arguments after the kind are passed to cmake at configure time.
# FAAS_BUILD_DIR overrides the build directory; FAAS_JOBS the job count (default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:-release}"
shift || true
jobs="${FAAS_JOBS:-2}"

case "$kind" in
    release)
        dir="${FAAS_BUILD_DIR:-$root/build}"
        args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
        ;;
    sanitize)
        dir="${FAAS_BUILD_DIR:-$root/build-asan}"
        # Debug (-O0 -g), not RelWithDebInfo: g++ 12 with -fsanitize at -O2 reports
        # -Wmaybe-uninitialized false positives inside Boost.Beast's parser (boost::optional),
        # which -Werror turns into build failures; -O0 also compiles the Beast units about twice
        # as fast, and the tests are bound by I/O and process start-up, not by CPU.
        args=(-DCMAKE_BUILD_TYPE=Debug -DFAAS_SANITIZE=address,undefined -DFAAS_WERROR=ON)
        ;;
    *)
        echo "usage: scripts/build.sh [release|sanitize] [cmake args...]" >&2
        exit 2
        ;;
esac

# A build dir configured earlier with another generator cannot be reused by cmake: start over.
if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    echo "build: $dir was configured with another generator, removing its cache"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
fi

echo "build: $kind -> $dir (ninja -j$jobs)"
cmake -S "$root" -B "$dir" -G Ninja "${args[@]}" "$@"
cmake --build "$dir" -j "$jobs"
echo "build: done: $dir/bin/"
