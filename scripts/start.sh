#!/usr/bin/env bash
# THE START COMMAND: installs what is missing, builds the release build, then runs
# `build/bin/faas up`: nats-server, faas-provider, the gateway and the queue-worker on this
# machine, with the example functions of examples/stack.yml deployed. The gateway listens on
# http://127.0.0.1:8080; Ctrl-C stops everything it started. Arguments are passed to `faas up`
# (see `build/bin/faas up --help`), e.g. `bash scripts/start.sh --port 9090 --no-examples`.
# FAAS_BUILD_DIR selects another release build directory (default build/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh
bash scripts/build.sh release

build_dir="${FAAS_BUILD_DIR:-$root/build}"
for bin in faas faas-provider gateway fwatchdog queue-worker; do
    if [[ ! -x "$build_dir/bin/$bin" ]]; then
        echo "start: $build_dir/bin/$bin was not built" >&2
        exit 1
    fi
done

echo "start: running $build_dir/bin/faas up $*"
exec "$build_dir/bin/faas" up "$@"
