#!/usr/bin/env bash
# Benchmarks fwatchdog against the floors it is built on and prints one table:
#   (a) classic mode, fprocess=cat, POST of an 11-byte body  vs  bench/spawn_floor (posix_spawn)
#   (b) classic mode with prespawn=32: one call at a time, paced at 100/s with hey (the pool
#       keeps up)  vs  spawn_floor -w 10 (a started cat, idle 10 ms, written to and reaped);
#       and wrk's closed loop at c=1 and 32, where every call still costs a process start
#   (c) http mode in front of nginx                          vs  the same nginx hit directly
#   (d) streaming mode, a large body through cat             vs  cat | cat
#   (e) VmRSS of fwatchdog when idle (classic, prespawn, http) and after the load above
# Load comes from wrk (keep-alive; a generated Lua script for POST bodies and exact percentiles).
# Everything listens on 127.0.0.1 free ports; every process started here is stopped by its pid on
# exit. About 2 minutes with the default 5 s per point.
#
# usage: bench/watchdog.sh
# env:   BENCH_DURATION  seconds per measured point (default 5)
#        BENCH_STREAM_MB size of the streamed body in MiB (default 256)
#        BENCH_NO_BUILD=1 use the binaries as they are; FAAS_BUILD_DIR (default build/)
#        BENCH_KEEP=1    keep the temp dir (logs, configs)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${FAAS_BUILD_DIR:-$root/build}"
dur="${BENCH_DURATION:-5}"
stream_mb="${BENCH_STREAM_MB:-256}"

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    bash scripts/build.sh release >/dev/null
fi
fwatchdog="$build_dir/bin/fwatchdog"
spawn_floor="$build_dir/bin/spawn_floor"
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
require_files "$fwatchdog" "$spawn_floor"
require_tools wrk hey nginx curl python3
nginx_bin="$(command -v nginx)"

tmp="$(mktemp -d /tmp/faas-bench.XXXXXX)"
declare -a pids=()
set_traps

# start_watchdog NAME VAR=VALUE...: sets started_pid and started_port once /_/health answers 200.
# Each watchdog has its own TMPDIR (its lock file) and log.
start_watchdog() {
    local name="$1"
    shift
    local dir="$tmp/$name" port
    mkdir -p "$dir"
    port="$(free_port)"
    env TMPDIR="$dir" port="$port" metrics_port=-1 healthcheck_interval=0s "$@" \
        "$fwatchdog" >"$dir/log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_http "http://127.0.0.1:$port/_/health" "fwatchdog $name" "$dir/log"
    started_pid=$pid
    started_port=$port
}

make_lua "$tmp/get.lua"
body="hello world"  # 11 bytes, spawn_floor's default body
make_lua "$tmp/post.lua" "$body"

levels=(1 8 32)
load_before="$(cut -d" " -f1-3 /proc/loadavg)"
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
log "$("$fwatchdog" -version 2>&1 | head -n 1), $(nproc) cores ($cpu), ${dur}s per point"

# ---------------------------------------------------------------- (a) classic vs spawn floor
log "(a) spawn floor: spawn_floor -c 1,8,32 -d $dur -- cat"
declare -A floor_rps floor_p50 floor_p99
floor_out="$("$spawn_floor" -c 1,8,32 -d "$dur" -- cat)"
while read -r c _ rps p50 p99 _; do
    [[ "$c" =~ ^[0-9]+$ ]] || continue
    floor_rps[$c]=$rps floor_p50[$c]=$p50 floor_p99[$c]=$p99
done <<<"$floor_out"

start_watchdog classic fprocess=cat
classic_pid=$started_pid classic_port=$started_port
sleep 1
classic_idle_mem=$(mem_kb "$classic_pid")
expect_answer classic "$body" -fsS --data-binary "$body" "http://127.0.0.1:$classic_port/"
declare -A cl_rps cl_p50 cl_p99
for c in "${levels[@]}"; do
    log "(a) classic fprocess=cat wrk -c $c"
    res="$(run_wrk classic "$classic_pid" "$tmp/classic/log" "http://127.0.0.1:$classic_port/" "$c" "$tmp/post.lua")"
    read -r cl_rps[$c] cl_p50[$c] cl_p99[$c] <<<"$res"
done
classic_load_mem=$(mem_kb "$classic_pid")
stop_pid "$classic_pid"

# ---------------------------------------------------------------- (b) prespawn
start_watchdog prespawn fprocess=cat prespawn=32
pre_pid=$started_pid pre_port=$started_port
sleep 1
pre_idle_mem=$(mem_kb "$pre_pid")
paced_n=$((dur * 100))
log "(b) prespawn floor: spawn_floor -c 1 -n $paced_n -w 10 -- cat"
read -r _ _ _ warm_p50 warm_p99 _ < <("$spawn_floor" -c 1 -n "$paced_n" -w 10 -- cat | grep '^1 ')
log "(b) classic prespawn=32 hey -c 1 -q 100 -n $paced_n"
hey_out="$(hey -n "$paced_n" -c 1 -q 100 -m POST -d "$body" -T text/plain \
    "http://127.0.0.1:$pre_port/" 2>&1)" || { log "hey failed: $hey_out"; exit 1; }
hey_ms() { awk -v p="$1%" '$1 == p && $2 == "in" {printf "%.3f", $3 * 1000}' <<<"$hey_out"; }
paced_p50="$(hey_ms 50)" paced_p99="$(hey_ms 99)"
grep -q '^\s*\[200\]' <<<"$hey_out" && ! grep -qE '^\s*\[[013-9][0-9]{2}\]' <<<"$hey_out" ||
    echo "prespawn: hey saw answers other than 200: $(grep -E '^\s*\[' <<<"$hey_out" | tr -s ' ')" >>"$tmp/failures"
check_alive "$pre_pid" prespawn "$tmp/prespawn/log" || true
declare -A pre_rps pre_p50 pre_p99
for c in 1 32; do
    log "(b) classic prespawn=32 wrk -c $c"
    res="$(run_wrk prespawn "$pre_pid" "$tmp/prespawn/log" "http://127.0.0.1:$pre_port/" "$c" "$tmp/post.lua")"
    read -r pre_rps[$c] pre_p50[$c] pre_p99[$c] <<<"$res"
done
stop_pid "$pre_pid"

# ---------------------------------------------------------------- (c) http mode vs nginx
direct_port="$(free_port)"
make_nginx_conf "$tmp/nginx-direct" "$direct_port"
"$nginx_bin" -e "$tmp/nginx-direct/error.log" -c "$tmp/nginx-direct/nginx.conf" \
    >"$tmp/nginx-direct/log" 2>&1 &
direct_pid=$!
pids+=("$direct_pid")
wait_http "http://127.0.0.1:$direct_port/" "nginx" "$tmp/nginx-direct/error.log"
declare -A ng_rps ng_p50 ng_p99
for c in "${levels[@]}"; do
    log "(c) nginx direct wrk -c $c"
    res="$(run_wrk nginx "$direct_pid" "$tmp/nginx-direct/error.log" "http://127.0.0.1:$direct_port/" "$c" "$tmp/get.lua")"
    read -r ng_rps[$c] ng_p50[$c] ng_p99[$c] <<<"$res"
done
stop_pid "$direct_pid"

up_port="$(free_port)"
make_nginx_conf "$tmp/http" "$up_port"
start_watchdog http mode=http \
    fprocess="$nginx_bin -e $tmp/http/error.log -c $tmp/http/nginx.conf" \
    upstream_url="http://127.0.0.1:$up_port"
http_pid=$started_pid http_port=$started_port
sleep 1
http_idle_mem=$(mem_kb "$http_pid")
expect_answer http "hello world" -fsS "http://127.0.0.1:$http_port/"
declare -A hm_rps hm_p50 hm_p99
for c in "${levels[@]}"; do
    log "(c) http mode -> nginx wrk -c $c"
    res="$(run_wrk http "$http_pid" "$tmp/http/log" "http://127.0.0.1:$http_port/" "$c" "$tmp/get.lua")"
    read -r hm_rps[$c] hm_p50[$c] hm_p99[$c] <<<"$res"
done
http_load_mem=$(mem_kb "$http_pid")
stop_pid "$http_pid"

# The same at c=32 with log_level=warn: what the per-request access log line costs.
quiet_port="$(free_port)"
make_nginx_conf "$tmp/http-quiet" "$quiet_port"
start_watchdog http-quiet mode=http log_level=warn \
    fprocess="$nginx_bin -e $tmp/http-quiet/error.log -c $tmp/http-quiet/nginx.conf" \
    upstream_url="http://127.0.0.1:$quiet_port"
quiet_pid=$started_pid
log "(c) http mode -> nginx, log_level=warn, wrk -c 32"
res="$(run_wrk http-quiet "$quiet_pid" "$tmp/http-quiet/log" "http://127.0.0.1:$started_port/" 32 "$tmp/get.lua")"
read -r hq_rps hq_p50 hq_p99 <<<"$res"
stop_pid "$quiet_pid"

# ---------------------------------------------------------------- (d) streaming
big="$tmp/body.bin"
head -c "$((stream_mb * 1024 * 1024))" /dev/urandom >"$big"
bytes=$(stat -c %s "$big")
now() { date +%s.%N; }
mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.0f", b / 1048576 / t }'; }

best_direct=0
for _ in 1 2 3; do
    t0=$(now)
    cat "$big" | cat >/dev/null
    t1=$(now)
    v=$(mbps "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    ((v > best_direct)) && best_direct=$v
done

start_watchdog streaming mode=streaming fprocess=cat
st_pid=$started_pid st_port=$started_port
sleep 1
st_idle_mem=$(mem_kb "$st_pid")
best_stream=0
for _ in 1 2 3; do
    log "(d) streaming ${stream_mb} MiB through cat"
    res="$(curl -sS -X POST -T "$big" -o /dev/null -w '%{size_download} %{time_total}\n' \
        "http://127.0.0.1:$st_port/" || true)"
    read -r size secs <<<"$res" || true
    if [[ "${size:-}" != "$bytes" ]]; then
        echo "streaming: returned ${size:-nothing} of $bytes bytes" >>"$tmp/failures"
        log "streaming: returned ${size:-nothing} of $bytes bytes"
        check_alive "$st_pid" streaming "$tmp/streaming/log" || true
        break
    fi
    v=$(mbps "$secs")
    ((v > best_stream)) && best_stream=$v
done
stream_load_mem=$(mem_kb "$st_pid")
stop_pid "$st_pid"

# ---------------------------------------------------------------- table
mb() { [[ "$1" =~ ^[0-9]+$ ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo -; }
mem_row() {  # mem_row LABEL "IDLE_RSS IDLE_ANON IDLE_PSS" "LOAD_RSS LOAD_ANON LOAD_PSS"
    local ir ia ip lr la lp
    read -r ir ia ip <<<"$2"
    read -r lr la lp <<<"$3"
    printf '  %-22s %8s %8s %8s   %12s %8s\n' "$1" "$(mb "$ir")" "$(mb "$ia")" "$(mb "$ip")" \
        "$(mb "$lr")" "$(mb "$la")"
}
{
    echo
    echo "fwatchdog benchmark: $(nproc) cores ($cpu), Debian 12, wrk keep-alive, ${dur}s per point"
    echo "load average before the run: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg)" \
        "(other work on the machine skews the figures)"
    echo
    echo "(a) classic mode, fprocess=cat, POST 11 bytes  vs  posix_spawn floor (spawn_floor -- cat)"
    printf '  %-4s %12s %9s %9s   %12s %9s %9s   %7s\n' c "floor/s" "p50 ms" "p99 ms" "watchdog/s" \
        "p50 ms" "p99 ms" "ratio"
    for c in "${levels[@]}"; do
        printf '  %-4s %12s %9s %9s   %12s %9s %9s   %7s\n' "$c" "${floor_rps[$c]}" \
            "${floor_p50[$c]}" "${floor_p99[$c]}" "${cl_rps[$c]}" "${cl_p50[$c]}" "${cl_p99[$c]}" \
            "$(ratio "${cl_rps[$c]}" "${floor_rps[$c]}")"
    done
    echo
    echo "(b) classic mode, fprocess=cat, prespawn=32"
    printf '  %-34s %9s %9s\n' "" "p50 ms" "p99 ms"
    printf '  %-34s %9s %9s\n' "floor: started cat, write to reap" "$warm_p50" "$warm_p99"
    printf '  %-34s %9s %9s   ratio %s\n' "watchdog, c=1 paced at 100/s" "$paced_p50" "$paced_p99" \
        "$(ratio "$warm_p50" "$paced_p50")"
    echo "  closed loop (each call still costs a process start, now off the call's path):"
    printf '  %-4s %12s %9s %9s\n' c "req/s" "p50 ms" "p99 ms"
    for c in 1 32; do
        printf '  %-4s %12s %9s %9s\n' "$c" "${pre_rps[$c]}" "${pre_p50[$c]}" "${pre_p99[$c]}"
    done
    echo
    echo "(c) http mode -> nginx (1 worker, 12-byte body)  vs  the same nginx direct, GET"
    printf '  %-4s %12s %9s %9s   %12s %9s %9s   %7s\n' c "nginx/s" "p50 ms" "p99 ms" "watchdog/s" \
        "p50 ms" "p99 ms" "ratio"
    for c in "${levels[@]}"; do
        printf '  %-4s %12s %9s %9s   %12s %9s %9s   %7s\n' "$c" "${ng_rps[$c]}" "${ng_p50[$c]}" \
            "${ng_p99[$c]}" "${hm_rps[$c]}" "${hm_p50[$c]}" "${hm_p99[$c]}" \
            "$(ratio "${hm_rps[$c]}" "${ng_rps[$c]}")"
    done
    printf '  %-4s %12s %9s %9s   %12s %9s %9s   %7s   (watchdog log_level=warn: no access log)\n' \
        32 "" "" "" "$hq_rps" "$hq_p50" "$hq_p99" "$(ratio "$hq_rps" "${ng_rps[32]}")"
    echo
    echo "(d) streaming mode, ${stream_mb} MiB POST through cat (best of 3)"
    printf '  %-34s %8s MB/s\n' "cat file | cat > /dev/null" "$best_direct"
    printf '  %-34s %8s MB/s   ratio %s\n' "curl -T file -> fwatchdog -> cat" "$best_stream" \
        "$(ratio "$best_stream" "$best_direct")"
    echo
    echo "(e) fwatchdog memory, MB (the watchdog process only, not the function)"
    printf '  %-22s %8s %8s %8s   %12s %8s\n' "" "VmRSS" "RssAnon" "Pss" "load VmRSS" "RssAnon"
    mem_row "classic" "$classic_idle_mem" "$classic_load_mem"
    mem_row "classic prespawn=32" "$pre_idle_mem" "- - -"
    mem_row "http" "$http_idle_mem" "$http_load_mem"
    mem_row "streaming" "$st_idle_mem" "$stream_load_mem"
    echo "  (idle: 1 s after start; load: after the runs above; VmRSS includes shared library pages)"
}
report_failures
