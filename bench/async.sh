#!/usr/bin/env bash
# Benchmarks the async pipeline against its JetStream floors, all on one private nats-server
# (-js, max_payload 8MB as faas up runs it), and prints one table:
#   (a) floors (bench/nats_floor, core/nats itself): async publish msg/s of a queued 1 KB request
#       on one subject with 64 and 256 in flight; the gateway's accept (the request on its call's
#       own subject) per second; one-at-a-time publish; fetch(100) + ack msg/s; each with cnats buffering
#       writes (the default of the gateway and the queue-worker) and with send_asap
#       (nats_send_asap=true)
#   (b) the gateway's accept rate: POST /async-function/web with a 1 KB body, wrk -c 64, only
#       202s counted (any other answer or socket error fails the run); ratio to (a)
#   (c) end to end with one queue-worker: BENCH_CALLS calls queued first (hey, all must be 202),
#       then one queue-worker started; calls/s until the function (an http-mode fwatchdog in front
#       of nginx, counted by nginx's access log) has received all of them; ratio to fetch + ack
# (c) runs before (b) so that its stream holds only its own calls; no worker runs during (b).
# Every process started here is stopped by its pid on exit; the script exits 1 when any call
# failed or a daemon died. About 2 minutes with the defaults.
#
# usage: bench/async.sh
# env:   BENCH_DURATION   seconds of (b) (default 10)
#        BENCH_CALLS      calls queued in (c) (default 50000)
#        BENCH_FLOOR_MSGS messages per floor run in (a) (default 100000)
#        BENCH_FLOORS_ONLY=1 run (a) only (needs no gateway or queue-worker)
#        BENCH_NO_BUILD=1 use the binaries as they are; FAAS_BUILD_DIR (default build/)
#        BENCH_KEEP=1     keep the temp dir (logs, configs)
#        BENCH_WORKER_ENV more VAR=VALUE settings for the queue-worker in (c), e.g. "max_inflight=200"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${FAAS_BUILD_DIR:-$root/build}"
dur="${BENCH_DURATION:-10}"
calls="${BENCH_CALLS:-50000}"
floor_msgs="${BENCH_FLOOR_MSGS:-100000}"
floors_only="${BENCH_FLOORS_ONLY:-0}"
accept_c=64
calls=$(((calls + accept_c - 1) / accept_c * accept_c))  # hey sends a multiple of -c

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    bash scripts/build.sh release >/dev/null
fi
fwatchdog="$build_dir/bin/fwatchdog"
provider="$build_dir/bin/faas-provider"
gateway="$build_dir/bin/gateway"
worker="$build_dir/bin/queue-worker"
nats_floor="$build_dir/bin/nats_floor"
needed=("$nats_floor")
[[ "$floors_only" == 1 ]] || needed+=("$fwatchdog" "$provider" "$gateway" "$worker")
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
require_files "${needed[@]}"
require_tools nats-server wrk hey nginx curl python3
nginx_bin="$(command -v nginx)"

tmp="$(mktemp -d /tmp/faas-bench-async.XXXXXX)"
declare -a pids=()
set_traps

fail_run() {  # fail_run MESSAGE: recorded, the run ends with status 1 after the table
    echo "$1" >>"$tmp/failures"
    log "$1"
}
now() { date +%s.%N; }
metric() {  # metric URL SERIES: the value of one prometheus series, 0 when absent
    curl -fsS "$1" | awk -v s="$2" '$1 == s {v = $2} END {print v + 0}'
}

load_before="$(cut -d" " -f1-3 /proc/loadavg)"
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
log "$(nats-server --version), $(nproc) cores ($cpu)"

# ---------------------------------------------------------------- nats-server
nats_port="$(free_port)"
nats_mon="$(free_port)"
mkdir -p "$tmp/nats"
printf 'max_payload: 8MB\n' >"$tmp/nats/nats.conf"
nats-server -js -a 127.0.0.1 -p "$nats_port" -m "$nats_mon" -sd "$tmp/nats/store" \
    -c "$tmp/nats/nats.conf" >"$tmp/nats/log" 2>&1 &
nats_pid=$!
pids+=("$nats_pid")
wait_http "http://127.0.0.1:$nats_mon/healthz" nats-server "$tmp/nats/log"

# ---------------------------------------------------------------- (a) floors
# Twice: with cnats buffering writes (the default) and with send_asap (nats_send_asap=true);
# keys of the second run end in "+asap".
declare -A fl_rate fl_p50 fl_p99
floor_header=""
for asap in 0 1; do
    log "(a) nats_floor -n $floor_msgs -i 64,256 -b 1024 -f 100 -a $asap"
    floor_out="$("$nats_floor" -s "nats://127.0.0.1:$nats_port" -n "$floor_msgs" -i 64,256 -b 1024 \
        -f 100 -a "$asap" 2>"$tmp/nats_floor.log")" || {
        log "nats_floor failed:"
        cat "$tmp/nats_floor.log" >&2
        exit 1
    }
    [[ -n "$floor_header" ]] || floor_header="$(grep '^# ' <<<"$floor_out" | sed 's/^# //')"
    suffix=""
    [[ "$asap" == 0 ]] || suffix="+asap"
    while read -r line; do
        what="$(sed -E 's/.* what=([^ ]+).*/\1/' <<<"$line")"
        inflight="$(sed -E 's/.* inflight=([^ ]+).*/\1/' <<<"$line")"
        key="$what/$inflight$suffix"
        fl_rate[$key]="$(sed -E 's/.* rate=([^ ]+).*/\1/' <<<"$line")"
        fl_p50[$key]="$(sed -E 's/.* p50_ms=([^ ]+).*/\1/' <<<"$line")"
        fl_p99[$key]="$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")"
    done < <(grep '^FLOOR ' <<<"$floor_out")
done
floor_keys=(async_publish/64 async_publish/256 accept_publish/64 accept_publish/256 sync_publish/1
    fetch_ack/100 async_publish/64+asap sync_publish/1+asap fetch_ack/100+asap)
for key in "${floor_keys[@]}"; do
    [[ -n "${fl_rate[$key]:-}" ]] || { log "nats_floor printed no $key"; exit 1; }
done

received() {  # requests every replica's nginx answered so far: two bytes each in its access log
    local total=0 size
    for size in $(stat -c %s "$tmp"/replicas/*/access.log 2>/dev/null); do
        total=$((total + size))
    done
    echo $((total / 2))
}

# ---------------------------------------------------------------- platform, (c) and (b)
# One function, run unless BENCH_FLOORS_ONLY=1; it sets the figures the table prints.
platform_runs() {
    # The function: an http-mode fwatchdog in front of nginx on the port the watchdog picked; nginx
    # logs every request it answers as two bytes (".", and the newline nginx adds), so the size of the
    # function's own log counts what reached it, read with stat (reading a growing log every
    # 50 ms took a few percent of the CPU the pipeline measured here needs).
    mkdir -p "$tmp/replicas"
    cat >"$tmp/run-nginx.sh" <<RUN_NGINX
#!/usr/bin/env bash
set -e
dir="$tmp/replicas/\$PORT"
mkdir -p "\$dir"
. "$root/bench/common.sh"
make_nginx_conf "\$dir" "\$PORT"
sed -i "s|access_log off;|log_format one_byte '.'; access_log \$dir/access.log one_byte;|" "\$dir/nginx.conf"
exec "$nginx_bin" -e "\$dir/error.log" -c "\$dir/nginx.conf"
RUN_NGINX

    start_provider
    start_gateway faas_nats_address=127.0.0.1 faas_nats_port="$nats_port"
    deploy web "bash $tmp/run-nginx.sh" ',"envVars":{"mode":"http","upstream_url":"http://127.0.0.1:0"}'
    # The first call waits for the replica; the worker's calls then find it ready.
    [[ "$(curl -fsS --max-time 30 "http://127.0.0.1:$gw_port/function/web")" == "hello world" ]] ||
        { log "gateway -> web did not answer hello world"; tail -n 20 "$tmp/gateway/log" "$tmp/provider/log" >&2; exit 1; }

    head -c 1024 /dev/zero | tr '\0' x >"$tmp/body"
    async_url="http://127.0.0.1:$gw_port/async-function/web"
    # The gateway connects to NATS in the background and answers 503 until it is connected.
    for _ in $(seq 100); do
        code="$(curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$tmp/body" "$async_url")"
        [[ "$code" == 503 ]] || break
        sleep 0.1
    done
    [[ "$code" == 202 ]] ||
        { log "POST /async-function/web answered $code, not 202"; tail -n 20 "$tmp/gateway/log" >&2; exit 1; }

    # ---------------------------------------------------------------- (c) end to end
    # Queued first (the sanity call above is one more), then one worker drains them.
    log "(c) queueing $calls calls: hey -n $calls -c $accept_c"
    hey_out="$(hey -n "$calls" -c "$accept_c" -m POST -D "$tmp/body" -T text/plain "$async_url" 2>&1)" ||
        { log "hey failed: $hey_out"; exit 1; }
    queued_202="$(awk '$1 == "[202]" {print $2}' <<<"$hey_out")"
    fill_rps="$(awk '$1 == "Requests/sec:" {printf "%.0f", $2}' <<<"$hey_out")"
    others="$(awk '$1 ~ /^\[[0-9]+\]$/ && $1 != "[202]"' <<<"$hey_out")"
    if [[ "${queued_202:-0}" != "$calls" || -n "$others" ]] || grep -q 'Error distribution' <<<"$hey_out"; then
        fail_run "(c) queueing: ${queued_202:-0} of $calls answered 202: $(sed -n '/Status code distribution/,$p' <<<"$hey_out" | tr -s ' \n' ' ')"
    fi
    expected=$((${queued_202:-0} + 1))
    base="$(received)"

    worker_metrics="$(free_port)"
    mkdir -p "$tmp/worker"
    log "(c) one queue-worker draining $expected calls"
    t_start="$(now)"
    env faas_nats_address=127.0.0.1 faas_nats_port="$nats_port" queues=default \
        faas_gateway_address=127.0.0.1 faas_gateway_port="$gw_port" metrics_port="$worker_metrics" \
        ${BENCH_WORKER_ENV:-} "$worker" >"$tmp/worker/log" 2>&1 &
    worker_pid=$!
    pids+=("$worker_pid")
    t_first="" got=0
    deadline=$(($(date +%s) + 60 + expected / 500))
    while :; do
        got=$(($(received) - base))
        [[ -z "$t_first" && $got -gt 0 ]] && t_first="$(now)"
        ((got >= expected)) && break
        if (($(date +%s) > deadline)) || ! kill -0 "$worker_pid" 2>/dev/null; then
            fail_run "(c) the function received $got of $expected calls"
            break
        fi
        sleep 0.05
    done
    t_end="$(now)"
    e2e_secs="$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.3f", b - a }')"
    e2e_rate="$(awk -v n="$got" -v t="$e2e_secs" 'BEGIN { printf "%.1f", n / t }')"
    steady_rate=-
    if [[ -n "$t_first" ]]; then
        steady_rate="$(awk -v n="$got" -v a="$t_first" -v b="$t_end" 'BEGIN { if (b > a) printf "%.1f", (n - 1) / (b - a); else print "-" }')"
        first_ms="$(awk -v a="$t_start" -v b="$t_first" 'BEGIN { printf "%.0f", (b - a) * 1000 }')"
    fi
    # The worker writes the final status and acks after the call: wait for its count to catch up.
    succeeded_series="faas_queue_calls_total{function=\"web.openfaas-fn\",outcome=\"succeeded\"}"
    succeeded=0
    for _ in $(seq 100); do
        succeeded="$(metric "http://127.0.0.1:$worker_metrics/metrics" "$succeeded_series")" || succeeded=0
        ((succeeded >= expected)) && break
        sleep 0.1
    done
    ((succeeded == expected)) || fail_run "(c) the worker counted $succeeded succeeded calls of $expected"
    ((got == expected)) || fail_run "(c) the function received $got calls, $expected were queued"
    check_alive "$worker_pid" queue-worker "$tmp/worker/log" || true
    if kill -0 "$worker_pid" 2>/dev/null; then
        kill -TERM "$worker_pid"
        worker_rc=0
        wait "$worker_pid" || worker_rc=$?
        ((worker_rc == 0)) || fail_run "queue-worker exited with status $worker_rc after SIGTERM"
    fi

    # ---------------------------------------------------------------- (b) accept rate
    cat >"$tmp/accept.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "text/plain"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) accepted = 0; other = 0; other_status = 0 end
function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1; other_status = status end
end
done = function(summary, latency, requests)
  local a, o, s = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted"); o = o + t:get("other")
    if t:get("other_status") ~= 0 then s = t:get("other_status") end
  end
  local e = summary.errors
  io.write(string.format("WRK rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d accepted=%d other=%d other_status=%d\n",
    a / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.connect + e.read + e.write + e.timeout, a, o, s))
end
LUA
    log "(b) wrk -c $accept_c -d ${dur}s POST /async-function/web (1 KB)"
    acc_rps=- acc_p50=- acc_p99=- accepted=- nats_rss_mb=-
    if check_alive "$gw_pid" gateway "$tmp/gateway/log"; then
        wrk_out="$(wrk -t2 -c"$accept_c" -d"${dur}s" --timeout 10s -s "$tmp/accept.lua" "$async_url" 2>&1)" ||
            { log "wrk failed: $wrk_out"; exit 1; }
        line="$(grep '^WRK ' <<<"$wrk_out")"
        read -r acc_rps acc_p50 acc_p99 <<<"$(sed -E 's/^WRK rps=([^ ]+) p50_ms=([^ ]+) p99_ms=([^ ]+).*/\1 \2 \3/' <<<"$line")"
        errors="$(sed -E 's/.* errors=([0-9]+).*/\1/' <<<"$line")"
        other="$(sed -E 's/.* other=([0-9]+).*/\1/' <<<"$line")"
        accepted="$(sed -E 's/.* accepted=([0-9]+).*/\1/' <<<"$line")"
        if [[ "$errors" != 0 || "$other" != 0 ]]; then
            fail_run "(b) $accepted answered 202, $other answered otherwise (e.g. $(sed -E 's/.* other_status=([0-9]+).*/\1/' <<<"$line")), $errors socket errors"
        fi
        # What holding (b)'s calls costs nats-server (no worker runs during (b)).
        nats_rss_mb="$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$nats_pid/status" 2>/dev/null || echo -)"
    fi

    for d in "faas-provider $prov_pid $tmp/provider/log" "gateway $gw_pid $tmp/gateway/log"; do
        read -r name pid logfile <<<"$d"
        check_alive "$pid" "$name" "$logfile" || true
    done
}

# ---------------------------------------------------------------- the end
[[ "$floors_only" == 1 ]] || platform_runs
check_alive "$nats_pid" nats-server "$tmp/nats/log" || true
load_after="$(cut -d" " -f1-3 /proc/loadavg)"

target() {  # target VALUE MIN
    awk -v v="$1" -v m="$2" 'BEGIN { if (v + 0 >= m) print "met"; else print "NOT met" }'
}
k() { [[ "$1" =~ ^[0-9.]+$ ]] && awk -v v="$1" 'BEGIN { printf "%.1fk", v / 1000 }' || echo -; }
{
    echo
    echo "async benchmark: $(nproc) cores ($cpu), one nats-server -js (file store, max_payload 8MB)"
    echo "load average before the run: $load_before, after: $load_after (other work on the machine skews the figures)"
    echo "$floor_header"
    echo
    echo "(a) JetStream floors (bench/nats_floor, core/nats, one io thread)"
    printf '  %-46s %12s %9s %9s\n' "" "msg/s" "p50 ms" "p99 ms"
    for key in "${floor_keys[@]}"; do
        n="${key#*/}"
        n="${n%+asap}"
        case "$key" in
            async_publish/*) label="async publish, $n in flight" ;;
            accept_publish/*) label="accept (a subject per call), $n in flight" ;;
            sync_publish/*) label="publish one at a time" ;;
            fetch_ack/*) label="fetch(100) + ack (p: one fetch)" ;;
        esac
        [[ "$key" != *+asap ]] || label="$label, send asap"
        printf '  %-46s %12s %9s %9s\n' "$label" "${fl_rate[$key]}" "${fl_p50[$key]}" "${fl_p99[$key]}"
    done
    if [[ "$floors_only" != 1 ]]; then
        echo
        echo "(b) gateway accept: POST /async-function/web, 1 KB, wrk -t2 -c $accept_c, ${dur}s, 202s only"
        printf '  %-46s %12s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms"
        printf '  %-46s %12s %9s %9s\n' "gateway 202 Accepted" "$acc_rps" "$acc_p50" "$acc_p99"
        printf '  %-46s %12s\n' "ratio to async publish, 64 in flight" "$(ratio "$acc_rps" "${fl_rate[async_publish/64]}")"
        printf '  %-46s %12s\n' "ratio to accept floor, 64 in flight" "$(ratio "$acc_rps" "${fl_rate[accept_publish/64]}")"
        echo "  target >= 20k/s: $(target "$acc_rps" 20000) ($(k "$acc_rps")/s; hey -c $accept_c while queueing (c): $(k "$fill_rps")/s)"
        echo "  nats-server VmRSS after (b): ${nats_rss_mb} MB, holding the $accepted calls (b) queued"
        echo
        echo "(c) end to end, one queue-worker (${BENCH_WORKER_ENV:-default max_inflight}), $expected calls queued first"
        printf '  %-46s %12s\n' "calls/s, worker start to last call received" "$e2e_rate"
        printf '  %-46s %12s\n' "calls/s, first to last call received" "$steady_rate"
        printf '  %-46s %12s\n' "ratio to fetch(100) + ack (worker's default)" "$(ratio "$e2e_rate" "${fl_rate[fetch_ack/100]}")"
        printf '  %-46s %12s\n' "ratio to fetch(100) + ack, send asap" "$(ratio "$e2e_rate" "${fl_rate[fetch_ack/100+asap]}")"
        echo "  $got calls received in $e2e_secs s (first after ${first_ms:--} ms); worker counted $succeeded succeeded"
        echo "  target >= 5k/s: $(target "$e2e_rate" 5000)"
    fi
}
report_failures
