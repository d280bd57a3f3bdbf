# Helpers shared by the bench/*.sh scripts (sourced, not run). The sourcing script sets `tmp`
# (its temp dir) and `dur` (seconds per point) first and appends every pid it starts to `pids`.
# Everything listens on 127.0.0.1 free ports.

log() { echo "bench: $*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL NAME LOGFILE: until URL answers 200, at most 20 s
    for _ in $(seq 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    log "$2 did not come up ($1); last log lines:"
    tail -n 20 "$3" >&2 || true
    exit 1
}

stop_pid() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Stops every pid in `pids` (TERM, then KILL after 5 s) and removes `tmp` unless BENCH_KEEP=1.
cleanup_pids() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 50); do
        local alive=0
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [[ $alive -eq 0 ]] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
        echo "bench: kept $tmp"
    else
        rm -rf "$tmp"
    fi
}

# require_files FILE...: every FILE is an executable, else exit 1 naming it.
require_files() {
    local f
    for f in "$@"; do
        [[ -x "$f" ]] || { echo "bench: $f is missing (run scripts/build.sh release)" >&2; exit 1; }
    done
}

# require_tools TOOL...: every TOOL is on PATH, else exit 1 naming it.
require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "bench: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
    done
}

# The EXIT trap of every bench: nginx masters started by http-mode watchdogs (their pid files
# anywhere under `tmp`) join `pids`, then cleanup_pids. set_traps installs it with INT and TERM.
bench_cleanup() {
    trap - EXIT INT TERM
    set +e  # best effort: one failed step must not skip the rest of the cleanup
    local f
    while IFS= read -r f; do
        pids+=("$(cat "$f")")
    done < <(find "$tmp" -name nginx.pid 2>/dev/null)
    cleanup_pids
}
set_traps() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# start_provider: faas-provider ($provider) on a free loopback port with its state under
# $tmp/provider; sets prov_port and prov_pid once /healthz answers.
start_provider() {
    prov_port="$(free_port)"
    mkdir -p "$tmp/provider"
    env HOME="$tmp/provider" port="$prov_port" bind_address=127.0.0.1 state_dir="$tmp/provider/state" \
        "$provider" >"$tmp/provider/log" 2>&1 &
    prov_pid=$!
    pids+=("$prov_pid")
    wait_http "http://127.0.0.1:$prov_port/healthz" faas-provider "$tmp/provider/log"
}

# start_gateway [VAR=VALUE...]: the gateway ($gateway) in front of start_provider's provider, on
# free loopback ports; sets gw_port, gw_metrics and gw_pid once its /healthz answers.
start_gateway() {
    gw_port="$(free_port)"
    gw_metrics="$(free_port)"
    mkdir -p "$tmp/gateway"
    env port="$gw_port" metrics_port="$gw_metrics" bind_address=127.0.0.1 \
        functions_provider_url="http://127.0.0.1:$prov_port/" "$@" \
        "$gateway" >"$tmp/gateway/log" 2>&1 &
    gw_pid=$!
    pids+=("$gw_pid")
    wait_http "http://127.0.0.1:$gw_metrics/healthz" gateway "$tmp/gateway/log"
}

# deploy NAME FPROCESS EXTRA_JSON: POST /system/functions through the gateway; exit 1 unless
# it answers 200 or 202.
deploy() {
    local code
    code="$(curl -sS -o "$tmp/deploy.out" -w '%{http_code}' -X POST \
        "http://127.0.0.1:$gw_port/system/functions" \
        -d "{\"service\":\"$1\",\"image\":\"bench/$1\",\"envProcess\":\"$2\"$3}")"
    [[ "$code" == 202 || "$code" == 200 ]] || { log "deploy $1: HTTP $code $(cat "$tmp/deploy.out")"; exit 1; }
}

# mem_kb PID: "VmRSS RssAnon Pss" in kB. VmRSS counts the resident pages of the shared libraries
# (libc, libstdc++, ...) too; RssAnon is the process's own memory; Pss shares library pages out
# among the processes that map them.
mem_kb() {
    local out
    out="$(awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} END {print r, a}' "/proc/$1/status" 2>/dev/null)" &&
        out="$out $(awk '/^Pss:/ {print $2; exit}' "/proc/$1/smaps_rollup" 2>/dev/null)" &&
        [[ "$out" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] || out="- - -"
    echo "$out"
}

# wrk Lua: optional POST body, and exact figures from wrk's own histogram in one parsable line.
make_lua() {  # make_lua FILE [BODY]
    {
        if [[ $# -gt 1 ]]; then
            printf 'wrk.method = "POST"\nwrk.body = "%s"\n' "$2"
            printf 'wrk.headers["Content-Type"] = "text/plain"\n'
        fi
        cat <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, e.connect + e.read + e.write + e.timeout,
    e.status))
end
LUA
    } >"$1"
}

# A server that died under load is recorded in $tmp/failures (with its last log lines); its
# figures become "-", and report_failures makes the run end with status 1 after the table.
check_alive() {  # check_alive PID NAME LOGFILE
    kill -0 "$1" 2>/dev/null && return 0
    local rc=0 failures="$tmp/failures"
    wait "$1" 2>/dev/null || rc=$?
    touch "$failures"
    if ! grep -q "^$2 " "$failures"; then
        echo "$2 (pid $1) died, exit status $rc; last log lines:" >>"$failures"
        tail -n 5 "$3" | sed 's/^/    /' >>"$failures"
        log "$2 (pid $1) died, exit status $rc"
    fi
    return 1
}

# expect_answer NAME EXPECTED CURL_ARGS...: a wrong answer is recorded as a failure.
expect_answer() {
    local name="$1" want="$2" got
    shift 2
    got="$(curl "$@" 2>&1 || true)"
    if [[ "$got" != "$want" ]]; then
        echo "$name: expected '$want', got '$got'" >>"$tmp/failures"
        log "$name: expected '$want', got '$got'"
    fi
}

# Prints what failed during the run and exits 1; nothing when all went well.
report_failures() {
    if [[ -s "$tmp/failures" ]]; then
        echo
        echo "FAILURES:"
        sed 's/^/  /' "$tmp/failures"
        exit 1
    fi
}

# run_wrk NAME PID LOGFILE URL C LUA: prints "rps p50_ms p99_ms" of the server NAME (pid PID),
# "- - -" when it is dead or died under load; warns about socket errors and non-2xx answers.
run_wrk() {
    local name="$1" pid="$2" logfile="$3"
    shift 3
    local url="$1" c="$2" lua="$3" threads=2 out line
    if ! check_alive "$pid" "$name" "$logfile"; then
        echo "- - -"
        return 0
    fi
    ((c < threads)) && threads=$c
    out="$(wrk -t"$threads" -c"$c" -d"${dur}s" --timeout 10s -s "$lua" "$url" 2>&1)" || {
        log "wrk failed: $out"
        exit 1
    }
    line="$(grep '^WRK ' <<<"$out")"
    local errors non2xx
    errors="$(sed -E 's/.* errors=([0-9]+).*/\1/' <<<"$line")"
    non2xx="$(sed -E 's/.* non2xx=([0-9]+).*/\1/' <<<"$line")"
    if [[ "$errors" != 0 || "$non2xx" != 0 ]]; then
        log "warning: $name $url c=$c: $errors socket errors, $non2xx non-2xx responses"
    fi
    if ! check_alive "$pid" "$name" "$logfile"; then
        echo "- - -"
        return 0
    fi
    sed -E 's/^WRK rps=([^ ]+) p50_ms=([^ ]+) p99_ms=([^ ]+).*/\1 \2 \3/' <<<"$line"
}

ratio() {
    if [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
    else
        echo -
    fi
}

# make_nginx_conf DIR PORT: one worker answering "hello world" on 127.0.0.1:PORT. One worker: a
# function replica is usually one server process; the same conf serves direct and proxied runs.
make_nginx_conf() {
    mkdir -p "$1"
    cat >"$1/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $1/body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$2;
        default_type text/plain;
        location / { return 200 "hello world\n"; }
    }
}
NGINX
}
