#!/usr/bin/env bash
# THE START COMMAND: installs what is missing, builds the release build, then starts the platform
# with the example functions from examples/. Ctrl-C stops everything it started.
# FAAS_BUILD_DIR selects another release build directory (default build/).
#
# Once the CLI exists (build/bin/faas) this runs `build/bin/faas up`. Until then it starts one
# fwatchdog per example function, each on its own port:
#   :8080 wordcount  classic mode   (metrics on :8081)
#   :8082 echo-env   classic mode   (shows the Http_* CGI variables)
#   :8083 sha512     streaming mode
#   :8084 hello-http http mode      (python3 HTTP microservice behind the watchdog)
#   :8085 static     static mode
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh
bash scripts/build.sh release

build_dir="${FAAS_BUILD_DIR:-$root/build}"
if [[ -x "$build_dir/bin/faas" ]]; then
    echo "start: running $build_dir/bin/faas up $*"
    exec "$build_dir/bin/faas" up "$@"
fi

fwatchdog="$build_dir/bin/fwatchdog"
if [[ ! -x "$fwatchdog" ]]; then
    echo "start: $fwatchdog was not built" >&2
    exit 1
fi
if [[ "$root" == *" "* ]]; then
    # fprocess is split on single spaces (no shell), so the example paths must have none.
    echo "start: the repository path must not contain spaces: $root" >&2
    exit 1
fi

run_dir="$(mktemp -d /tmp/faas-demo.XXXXXX)"
declare -a pids=() names=()

stop_all() {
    trap - EXIT INT TERM
    set +e  # best effort: one failed step must not skip the rest of the cleanup
    if [[ ${#pids[@]} -gt 0 ]]; then
        echo
        echo "start: stopping ${#pids[@]} watchdogs (pids ${pids[*]})"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 50); do
            local alive=0
            for pid in "${pids[@]}"; do
                if kill -0 "$pid" 2>/dev/null; then
                    alive=1
                fi
            done
            [[ $alive -eq 0 ]] && break
            sleep 0.1
        done
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then
                echo "start: pid $pid did not stop in 5s, killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done
        wait 2>/dev/null || true
        # A watchdog that had to be killed could not stop its http-mode server: stop it by the
        # pid listening on the upstream port.
        if [[ -n "${upstream_port:-}" ]]; then
            local left
            left="$(ss -Hltnp "sport = :$upstream_port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)"
            for pid in $left; do
                echo "start: stopping the leftover hello-http server (pid $pid)"
                kill -TERM "$pid" 2>/dev/null || true
            done
        fi
    fi
    rm -rf "$run_dir"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_busy() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

for p in 8080 8081 8082 8083 8084 8085; do
    if port_busy "$p"; then
        echo "start: port $p is already in use; stop what listens there (ss -ltnp 'sport = :$p')" >&2
        exit 1
    fi
done

# start_fn NAME PORT VAR=VALUE...: one fwatchdog with its own TMPDIR (its lock file) and log.
# The log pipeline ignores Ctrl-C so that the watchdogs' shutdown lines still show; it ends when
# the watchdog closes its output.
start_fn() {
    local name="$1" port="$2"
    shift 2
    local dir="$run_dir/$name"
    mkdir -p "$dir"
    env TMPDIR="$dir" port="$port" metrics_port=-1 healthcheck_interval=0s "$@" \
        "$fwatchdog" > >(trap '' INT TERM; tee -a "$dir/log" | sed -u "s/^/[$name] /") 2>&1 &
    pids+=("$!")
    names+=("$name")
}

wait_healthy() {
    local name="$1" port="$2"
    for _ in $(seq 150); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/_/health" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "start: $name on :$port did not become healthy in 15s; log: $run_dir/$name/log" >&2
    exit 1
}

ex="$root/examples"
upstream_port="$(free_port)"
start_fn wordcount 8080 fprocess="$ex/wordcount/handler.sh" metrics_port=8081
start_fn echo-env 8082 fprocess="$ex/echo-env/handler.sh"
start_fn sha512 8083 mode=streaming fprocess="$ex/sha512/handler.sh"
start_fn hello-http 8084 mode=http fprocess="python3 $ex/hello-http/server.py $upstream_port" \
    upstream_url="http://127.0.0.1:$upstream_port"
start_fn static 8085 mode=static static_path="$ex/static-site/public"

wait_healthy wordcount 8080
wait_healthy echo-env 8082
wait_healthy sha512 8083
wait_healthy hello-http 8084
wait_healthy static 8085

cat <<EOF

faas is up (watchdog demo: each example function has its own fwatchdog; the gateway comes later).

  function    mode       url
  wordcount   classic    http://127.0.0.1:8080/   (metrics: http://127.0.0.1:8081/metrics)
  echo-env    classic    http://127.0.0.1:8082/
  sha512      streaming  http://127.0.0.1:8083/
  hello-http  http       http://127.0.0.1:8084/   (python3 server on 127.0.0.1:$upstream_port)
  static      static     http://127.0.0.1:8085/

Try:
  curl -s --data-binary 'the quick brown fox' http://127.0.0.1:8080/
  curl -s -H 'X-Demo: 1' --data-binary 'hello' 'http://127.0.0.1:8082/some/path?q=1'
  head -c 100000000 /dev/zero | curl -s -T - http://127.0.0.1:8083/
  curl -s 'http://127.0.0.1:8084/greet?name=you'
  curl -s --data-binary 'make me loud' http://127.0.0.1:8084/
  curl -s http://127.0.0.1:8085/
  curl -s -i http://127.0.0.1:8080/_/health
  curl -s http://127.0.0.1:8081/metrics | grep ^http_requests

Logs follow, prefixed with the function's name (also in $run_dir/<name>/log).
Press Ctrl-C to stop.
EOF

# Stay in the foreground; stop everything if a watchdog exits on its own.
while true; do
    for i in "${!pids[@]}"; do
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            rc=0
            wait "${pids[$i]}" || rc=$?
            echo "start: ${names[$i]} (pid ${pids[$i]}) exited with status $rc; stopping" >&2
            unset "pids[$i]"
            exit 1
        fi
    done
    sleep 1 &
    wait $! || true
done
