#!/usr/bin/env bash
# Benchmarks the platform on a single-node Docker Swarm (compose/stack.yml) and prints a table:
#   (a) scale from zero to first response through the gateway (classic `sha512sum` function on
#       functions/alpine:latest, images present): each round scales the function to 0, waits
#       until its containers are gone, then times one call; median, min and max of the rounds
#   (b) a sync call through the stack (wrk -> gateway task -> function task on the overlay)
#       against the floor measured in the same run: the same watchdog image in a container
#       published on this host the same way (host port -> container), hit directly with wrk
# It starts dockerd and a Swarm when there are none and deploys the stack when it is not there,
# and removes what it made on exit (the images stay).
#
# usage: bench/swarm.sh
# env:   BENCH_DURATION     seconds per wrk point (default 10)
#        BENCH_SFZ_ROUNDS   scale-from-zero rounds (default 10)
#        BENCH_NO_BUILD=1   use the images as they are (else scripts/images.sh builds them from
#                           FAAS_BUILD_DIR, default build/, which must hold a release build)
#        FAAS_GATEWAY_PORT  the gateway's published port (default 18080)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dur="${BENCH_DURATION:-10}"
rounds="${BENCH_SFZ_ROUNDS:-10}"
port="${FAAS_GATEWAY_PORT:-18080}"
gw="http://127.0.0.1:$port"
build_dir="${FAAS_BUILD_DIR:-$root/build}"

cleanup() {
    [[ -n "${direct:-}" ]] && "$docker" rm -f "$direct" >/dev/null 2>&1
    [[ "${own_stack:-0}" -eq 1 ]] && stack_remove
    swarm_down
    dockerd_down
    rm -rf "${tmp:-}"
}
# shellcheck source=tests/swarm/lib.sh
source "$root/tests/swarm/lib.sh"
skip() { echo "bench: cannot run: $*" >&2; cleanup; exit 1; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
tmp="$(mktemp -d /tmp/faas-bench-swarm.XXXXXX)"
# log, ratio and make_lua (its trap and pid helpers are not used: nothing here runs on the host)
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
command -v wrk >/dev/null || { log "wrk is missing (scripts/install-deps.sh installs it)"; exit 1; }

dockerd_up bench
swarm_up bench
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
    log "building images from $build_dir/bin"
    bash scripts/images.sh --build-dir "$build_dir/bin" >"$tmp/images.log" 2>&1 ||
        { tail -n 20 "$tmp/images.log"; exit 1; }
fi
own_stack=0
if ! "$docker" stack ls 2>/dev/null | grep -q '^faas '; then
    log "deploying compose/stack.yml as faas (gateway on :$port)"
    stack_deploy faas "$port" "$tmp/deploy.log" || { cat "$tmp/deploy.log"; exit 1; }
    own_stack=1
fi
for _ in $(seq 1 240); do
    curl -sf -m 2 "$gw/system/info" 2>/dev/null | grep -q faas-swarm && break
    sleep 0.5
done
curl -sf -m 2 "$gw/system/info" | grep -q faas-swarm || { log "the gateway did not come up on :$port"; exit 1; }

curl -s -o /dev/null -XPOST "$gw/system/functions" \
    -d '{"service":"bench-hash","image":"functions/alpine:latest","envProcess":"sha512sum"}'
for _ in $(seq 1 240); do
    curl -sf -m 2 -o /dev/null "$gw/function/bench-hash" -d x && break
    sleep 0.25
done
want="$(printf 'zero' | sha512sum)"

# --- (a) scale from zero ----------------------------------------------------------------------------
times=()
for r in $(seq 1 "$rounds"); do
    curl -s -o /dev/null -XPOST "$gw/system/scale-function/bench-hash" -d '{"serviceName":"bench-hash","replicas":0}'
    for _ in $(seq 1 240); do
        [[ -z "$("$docker" ps -q --filter label=com.openfaas.function=bench-hash)" ]] && break
        sleep 0.25
    done
    # The gateway has to see zero replicas too, or the call would not be a scale from zero.
    for _ in $(seq 1 80); do
        # A zero count is left out of the JSON (omitempty).
        curl -s "$gw/system/function/bench-hash" | grep -q '"availableReplicas"' || break
        sleep 0.25
    done
    start_ns=$(date +%s%N)
    got="$(curl -s -m 30 "$gw/function/bench-hash" --data-binary zero)"
    ms=$((($(date +%s%N) - start_ns) / 1000000))
    [[ "$got" == "$want" ]] || log "round $r: wrong answer '$got'"
    log "scale from zero round $r: $ms ms"
    times+=("$ms")
done
sorted="$(printf '%s\n' "${times[@]}" | sort -n)"
median="$(awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}' <<<"$sorted")"
min="$(head -n 1 <<<"$sorted")"
max="$(tail -n 1 <<<"$sorted")"

# --- (b) a sync call through the stack against the watchdog hit directly -----------------------------
make_lua "$tmp/post.lua" hello
direct="$("$docker" run -d -p 127.0.0.1::8080 -e fprocess=sha512sum functions/alpine:latest)"
direct_port="$("$docker" port "$direct" 8080/tcp | head -n 1 | cut -d: -f2)"
for _ in $(seq 1 80); do
    curl -sf -m 2 -o /dev/null "http://127.0.0.1:$direct_port/" -d x && break
    sleep 0.25
done
point() {  # point URL C -> "rps p50 p99"
    local out line
    local threads=2
    (($2 < threads)) && threads=$2
    out="$(wrk -t"$threads" -c"$2" -d"${dur}s" --timeout 10s -s "$tmp/post.lua" "$1" 2>&1)"
    line="$(grep '^WRK ' <<<"$out")"
    [[ -n "$line" ]] || { log "wrk: $out"; echo "- - -"; return; }
    grep -q 'errors=0 non2xx=0' <<<"$line" || log "warning: $1 c=$2: $line"
    sed -E 's/^WRK rps=([^ ]+) p50_ms=([^ ]+) p99_ms=([^ ]+).*/\1 \2 \3/' <<<"$line"
}
rows=()
for c in 1 8; do
    read -r d_rps d_p50 d_p99 <<<"$(point "http://127.0.0.1:$direct_port/" "$c")"
    read -r g_rps g_p50 g_p99 <<<"$(point "$gw/function/bench-hash" "$c")"
    rows+=("$(printf '| %-2s | %9s | %7s | %7s | %9s | %7s | %7s | %5s | %+.2f ms |' "$c" "$d_rps" "$d_p50" "$d_p99" \
        "$g_rps" "$g_p50" "$g_p99" "$(ratio "$g_rps" "$d_rps")" "$(awk -v a="$g_p50" -v b="$d_p50" 'BEGIN{print a-b}')")")
done

echo
echo "Swarm (dockerd $("$docker" version --format '{{.Server.Version}}'), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "(a) scale from zero to first response, $rounds rounds: median $median ms (min $min, max $max); target < 1500 ms"
echo
echo "(b) sync call, classic sha512sum, wrk ${dur} s per point (floor: the same image published and hit directly)"
echo "| c  | direct/s  | p50 ms  | p99 ms  | stack/s   | p50 ms  | p99 ms  | ratio | p50 overhead |"
echo "|----|-----------|---------|---------|-----------|---------|---------|-------|--------------|"
printf '%s\n' "${rows[@]}"
curl -s -o /dev/null -XDELETE "$gw/system/functions" -d '{"functionName":"bench-hash"}'
