#!/usr/bin/env bash
# Benchmarks the gateway's call path and prints one table:
#   (a) nginx hit directly
#   (b) fwatchdog http mode -> nginx, hit directly
#   (c) gateway -> faas-provider-managed fwatchdog http-mode replica -> nginx
#       at wrk -c 1, 8 and 32 (req/s, p50, p99, and (c) vs (b) ratios)
#   (d) scale from zero to first response through the gateway (median of BENCH_SFZ_ROUNDS), for
#       an http-mode nginx replica and a classic `cat` replica
#   (e) the gateway's memory when idle and after the load (VmRSS, RssAnon, Pss)
# Everything listens on 127.0.0.1 free ports; every process started here is stopped by its pid
# on exit. About 2 minutes with the default 10 s per point.
#
# usage: bench/gateway.sh
# env:   BENCH_DURATION   seconds per measured point (default 10)
#        BENCH_SFZ_ROUNDS scale-from-zero rounds per function (default 10)
#        BENCH_NO_BUILD=1 use the binaries as they are; FAAS_BUILD_DIR (default build/)
#        BENCH_KEEP=1     keep the temp dir (logs, configs)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${FAAS_BUILD_DIR:-$root/build}"
dur="${BENCH_DURATION:-10}"
sfz_rounds="${BENCH_SFZ_ROUNDS:-10}"

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    bash scripts/build.sh release >/dev/null
fi
fwatchdog="$build_dir/bin/fwatchdog"
provider="$build_dir/bin/faas-provider"
gateway="$build_dir/bin/gateway"
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
require_files "$fwatchdog" "$provider" "$gateway"
require_tools wrk nginx curl python3
nginx_bin="$(command -v nginx)"

tmp="$(mktemp -d /tmp/faas-bench-gw.XXXXXX)"
declare -a pids=()
set_traps

make_lua "$tmp/get.lua"
levels=(1 8 32)
load_before="$(cut -d" " -f1-3 /proc/loadavg)"
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
log "$("$gateway" -version 2>&1 | head -n 1), $(nproc) cores ($cpu), ${dur}s per point"

# ---------------------------------------------------------------- (a) nginx direct
direct_port="$(free_port)"
make_nginx_conf "$tmp/nginx-direct" "$direct_port"
"$nginx_bin" -e "$tmp/nginx-direct/error.log" -c "$tmp/nginx-direct/nginx.conf" \
    >"$tmp/nginx-direct/log" 2>&1 &
direct_pid=$!
pids+=("$direct_pid")
wait_http "http://127.0.0.1:$direct_port/" nginx "$tmp/nginx-direct/error.log"
declare -A ng_rps ng_p50 ng_p99
for c in "${levels[@]}"; do
    log "(a) nginx direct wrk -c $c"
    read -r ng_rps[$c] ng_p50[$c] ng_p99[$c] <<<"$(run_wrk nginx "$direct_pid" "$tmp/nginx-direct/error.log" "http://127.0.0.1:$direct_port/" "$c" "$tmp/get.lua")"
done
stop_pid "$direct_pid"

# ---------------------------------------------------------------- (b) fwatchdog http -> nginx
wd_up="$(free_port)"
wd_port="$(free_port)"
make_nginx_conf "$tmp/watchdog" "$wd_up"
env TMPDIR="$tmp/watchdog" port="$wd_port" metrics_port=-1 healthcheck_interval=0s mode=http \
    fprocess="$nginx_bin -e $tmp/watchdog/error.log -c $tmp/watchdog/nginx.conf" \
    upstream_url="http://127.0.0.1:$wd_up" "$fwatchdog" >"$tmp/watchdog/log" 2>&1 &
wd_pid=$!
pids+=("$wd_pid")
wait_http "http://127.0.0.1:$wd_port/_/health" fwatchdog "$tmp/watchdog/log"
declare -A wd_rps wd_p50 wd_p99
for c in "${levels[@]}"; do
    log "(b) fwatchdog http mode -> nginx wrk -c $c"
    read -r wd_rps[$c] wd_p50[$c] wd_p99[$c] <<<"$(run_wrk watchdog "$wd_pid" "$tmp/watchdog/log" "http://127.0.0.1:$wd_port/" "$c" "$tmp/get.lua")"
done
stop_pid "$wd_pid"

# ---------------------------------------------------------------- (c) gateway -> provider replica
# Each replica's nginx listens on the port its watchdog picked (upstream_url port 0 -> $PORT).
mkdir -p "$tmp/replicas"
cat >"$tmp/run-nginx.sh" <<RUN_NGINX
#!/usr/bin/env bash
# Started by a replica's fwatchdog in http mode: nginx on \$PORT with its own conf dir.
set -e
dir="$tmp/replicas/\$PORT"
mkdir -p "\$dir"
. "$root/bench/common.sh"
make_nginx_conf "\$dir" "\$PORT"
exec "$nginx_bin" -e "\$dir/error.log" -c "\$dir/nginx.conf"
RUN_NGINX
start_provider
# shellcheck disable=SC2119 # no extra env for this gateway
start_gateway
sleep 1
gw_idle_mem=$(mem_kb "$gw_pid")

deploy web "bash $tmp/run-nginx.sh" ',"envVars":{"mode":"http","upstream_url":"http://127.0.0.1:0"}'
deploy cat "cat" ''
# The gateway holds these first calls until the replicas are ready.
[[ "$(curl -fsS --max-time 30 "http://127.0.0.1:$gw_port/function/web")" == "hello world" ]] ||
    { log "gateway -> web did not answer hello world"; tail -n 20 "$tmp/gateway/log" "$tmp/provider/log" >&2; exit 1; }
[[ "$(curl -fsS --max-time 30 -d x "http://127.0.0.1:$gw_port/function/cat")" == "x" ]] ||
    { log "gateway -> cat did not answer"; exit 1; }

declare -A gw_rps gw_p50 gw_p99
for c in "${levels[@]}"; do
    log "(c) gateway -> replica (http mode) -> nginx wrk -c $c"
    read -r gw_rps[$c] gw_p50[$c] gw_p99[$c] <<<"$(run_wrk gateway "$gw_pid" "$tmp/gateway/log" "http://127.0.0.1:$gw_port/function/web" "$c" "$tmp/get.lua")"
done
gw_load_mem=$(mem_kb "$gw_pid")

# ---------------------------------------------------------------- (d) scale from zero
service_count() {  # service_count FN: gateway_service_count of FN.openfaas-fn
    curl -fsS "http://127.0.0.1:$gw_metrics/metrics" |
        awk -v s="gateway_service_count{function_name=\"$1.openfaas-fn\"}" '$1 == s {print $2 + 0}'
}
sfz() {  # sfz NAME CURL_ARGS...: prints the median ms of sfz_rounds cold calls
    local name="$1" i t
    shift
    local -a times=()
    for ((i = 0; i < sfz_rounds; i++)); do
        curl -fsS -o /dev/null -X POST "http://127.0.0.1:$gw_port/system/scale-function/$name" \
            -d "{\"serviceName\":\"$name\",\"replicas\":0}"
        for _ in $(seq 100); do
            [[ "$(service_count "$name")" == 0 ]] && break
            sleep 0.05
        done
        sleep 0.6  # the old replica drains (250 ms) and exits
        t="$(curl -fsS -o /dev/null -w '%{time_total}' "$@" "http://127.0.0.1:$gw_port/function/$name")" ||
            { log "scale from zero of $name failed"; echo -; return 0; }
        times+=("$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
log "(d) scale from zero, $sfz_rounds rounds each"
sfz_web="$(sfz web)"
sfz_cat="$(sfz cat -d x)"

load_after="$(cut -d" " -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- table
echo
echo "gateway benchmark: ${dur}s per point, wrk -t2 (-t1 at c=1), $(nproc) cores, load before $load_before, after $load_after"
printf '%-36s %5s %10s %9s %9s\n' "path" "c" "req/s" "p50 ms" "p99 ms"
for c in "${levels[@]}"; do
    printf '%-36s %5s %10s %9s %9s\n' "(a) nginx direct" "$c" "${ng_rps[$c]}" "${ng_p50[$c]}" "${ng_p99[$c]}"
    printf '%-36s %5s %10s %9s %9s\n' "(b) fwatchdog http -> nginx" "$c" "${wd_rps[$c]}" "${wd_p50[$c]}" "${wd_p99[$c]}"
    printf '%-36s %5s %10s %9s %9s\n' "(c) gateway -> replica -> nginx" "$c" "${gw_rps[$c]}" "${gw_p50[$c]}" "${gw_p99[$c]}"
done
echo
printf '%-36s %5s %10s %9s %9s\n' "ratio (c) / (b)" "c" "req/s" "p50" "p99"
for c in "${levels[@]}"; do
    printf '%-36s %5s %10s %9s %9s\n' "gateway path vs watchdog direct" "$c" \
        "$(ratio "${gw_rps[$c]}" "${wd_rps[$c]}")" "$(ratio "${gw_p50[$c]}" "${wd_p50[$c]}")" \
        "$(ratio "${gw_p99[$c]}" "${wd_p99[$c]}")"
done
echo
echo "(d) scale from zero to first response, median of $sfz_rounds: http-mode nginx ${sfz_web} ms, classic cat ${sfz_cat} ms"
read -r ir ia ip <<<"$gw_idle_mem"
read -r lr la lp <<<"$gw_load_mem"
echo "(e) gateway memory kB (VmRSS RssAnon Pss): idle $ir $ia $ip; after load $lr $la $lp"
report_failures
