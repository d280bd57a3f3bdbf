#!/usr/bin/env bash
# Builds the images with scripts/images.sh and checks that each one works:
#   nats          JetStream on, store in /data (monitor /jsz and /varz)
#   provider      starts, answers /healthz
#   gateway       finds the provider by name (/healthz through it) and NATS (async calls ready)
#   queue-worker  connects to NATS and serves /metrics
#   watchdog      functions/alpine:latest with fprocess=sha512sum hashes a request body; shell
#                 tools present; health check turns healthy
#   prometheus, alertmanager  load their configs and report ready
# The platform containers share a bridge network made for the run; no Swarm is needed (the
# stack is checked by tests/swarm/stack_test.sh). Published ports are picked by dockerd.
#
#   tests/swarm/images_test.sh [--build-dir DIR] [--no-build]
#
# Starts dockerd when it is not running (installing docker.io when missing) and stops it again
# afterwards; prints "SKIP: <reason>" and exits 77 when dockerd cannot start. Exits 1 when a
# check fails. Removes every container and network it created; the images stay (they are what
# scripts/images.sh builds). FAAS_DOCKERD_DATA_ROOT picks the data root of a dockerd started here.
set -uo pipefail
# Under pipefail a `... | grep -q` fails when grep quits at its first match and the writer then
# dies of SIGPIPE: the greps below read all of their input instead.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

source "$root/tests/swarm/lib.sh"
parse_args "$@"
containers=()
network=""

cleanup() {
    if [[ ${#containers[@]} -gt 0 ]]; then
        "$docker" rm -f -v "${containers[@]}" >/dev/null 2>&1
        containers=()
    fi
    if [[ -n "$network" ]]; then
        "$docker" network rm "$network" >/dev/null 2>&1
        network=""
    fi
    dockerd_down
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# --- dockerd ----------------------------------------------------------------------------------
dockerd_up images_test

# --- images -----------------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
    if bash "$root/scripts/images.sh" "${build_args[@]}"; then
        pass "scripts/images.sh built every image"
    else
        fail "scripts/images.sh failed; the images are missing, nothing else is checked"
        echo "$passes passed, $failures failed"
        exit 1
    fi
fi

# --- helpers ----------------------------------------------------------------------------------
start() {  # start VAR ALIAS ARGS...: docker run -d on the test network, the id into VAR
    local cid
    cid="$("$docker" run -d --network "$network" --network-alias "$2" "${@:3}")"
    [[ -n "$cid" ]] && containers+=("$cid")
    printf -v "$1" '%s' "$cid"
}

host_port() {  # host_port CID PORT -> 127.0.0.1:N
    "$docker" port "$1" "$2/tcp" | head -n 1
}

wait_log() {  # wait_log CID PATTERN SECONDS
    local deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        "$docker" logs "$1" 2>&1 | grep -- "$2" >/dev/null && return 0
        sleep 0.3
    done
    return 1
}

wait_http() {  # wait_http URL SECONDS -> body of the first 200
    local deadline=$((SECONDS + $2)) body
    while ((SECONDS < deadline)); do
        if body="$(curl -sf -m 2 "$1")"; then
            printf '%s' "$body"
            return 0
        fi
        sleep 0.3
    done
    return 1
}

show_logs() {
    echo "---- logs of $1"
    "$docker" logs --tail 20 "$1" 2>&1 | sed 's/^/    /'
}

network="$("$docker" network create "faas-images-test-$$")" || {
    fail "docker network create"
    exit 1
}

# --- nats -------------------------------------------------------------------------------------
start nats nats -p 127.0.0.1::8222 faas/nats:latest
if body="$(wait_http "http://$(host_port "$nats" 8222)/jsz" 20)" &&
    grep -q '"store_dir": *"/data/jetstream"' <<<"$body"; then
    pass "nats: JetStream on, store /data/jetstream (/jsz)"
else
    fail "nats: /jsz did not report JetStream with store /data/jetstream"
    show_logs "$nats"
fi
if curl -sf -m 2 "http://$(host_port "$nats" 8222)/varz" | grep '"jetstream"' >/dev/null; then
    pass "nats: /varz has a jetstream section"
else
    fail "nats: /varz has no jetstream section"
fi

# --- provider ---------------------------------------------------------------------------------
if out="$("$docker" run --rm faas/provider:latest --version 2>&1)" && grep -q "faas-provider version" <<<"$out"; then
    pass "provider: --version: $out"
else
    fail "provider: --version: $out"
fi
start provider provider -p 127.0.0.1::8081 faas/provider:latest
if wait_log "$provider" "listening port=8081" 20 &&
    body="$(wait_http "http://$(host_port "$provider" 8081)/healthz" 10)"; then
    pass "provider: listening on 8081, /healthz answers $body"
else
    fail "provider: did not start"
    show_logs "$provider"
fi

# --- gateway ----------------------------------------------------------------------------------
if out="$("$docker" run --rm faas/gateway:latest -version 2>&1)" && grep -q "gateway version" <<<"$out"; then
    pass "gateway: -version: $out"
else
    fail "gateway: -version: $out"
fi
start gateway gateway -p 127.0.0.1::8080 -p 127.0.0.1::8082 \
    -e functions_provider_url=http://provider:8081/ -e faas_nats_address=nats \
    faas/gateway:latest
if wait_log "$gateway" "listening port=8080" 20 &&
    body="$(wait_http "http://$(host_port "$gateway" 8080)/healthz" 10)"; then
    pass "gateway: /healthz through the provider answers $body"
else
    fail "gateway: /healthz through the provider"
    show_logs "$gateway"
fi
if wait_log "$gateway" "async calls ready" 20; then
    pass "gateway: async calls ready (NATS JetStream reached by name)"
else
    fail "gateway: did not reach NATS"
    show_logs "$gateway"
fi
if curl -sf -m 2 "http://$(host_port "$gateway" 8082)/metrics" >/dev/null; then
    pass "gateway: /metrics on 8082"
else
    fail "gateway: /metrics on 8082"
fi

# --- queue-worker -----------------------------------------------------------------------------
start worker queue-worker -p 127.0.0.1::8083 -e faas_nats_address=nats -e faas_gateway_address=gateway \
    faas/queue-worker:latest
if wait_log "$worker" "listening port=8083" 20 &&
    wait_http "http://$(host_port "$worker" 8083)/metrics" 10 | grep "faas_queue" >/dev/null; then
    pass "queue-worker: connected to NATS, /metrics on 8083"
else
    fail "queue-worker: did not start"
    show_logs "$worker"
fi

# --- watchdog / functions/alpine --------------------------------------------------------------
tools="$("$docker" run --rm --entrypoint /bin/sh functions/alpine:latest -c \
    'for t in sh cat sha512sum wc env date sleep grep sed; do command -v $t >/dev/null || echo $t; done; id -un' 2>&1)"
if [[ "$tools" == "app" ]]; then
    pass "watchdog: sh cat sha512sum wc env date sleep grep sed present, runs as app"
else
    fail "watchdog: tools missing or wrong user: $tools"
fi
start fn sha512 -p 127.0.0.1::8080 -e fprocess=sha512sum functions/alpine:latest
want="$(printf hello | sha512sum)"
got=""
if addr="$(host_port "$fn" 8080)" && wait_http "http://$addr/_/health" 10 >/dev/null; then
    got="$(curl -s -m 5 -d hello "http://$addr/")"
fi
if [[ -n "$got" && "$got" == "$want" ]]; then
    pass "watchdog: fprocess=sha512sum, curl -d hello -> ${got:0:16}...  -"
else
    fail "watchdog: sha512sum of hello: want '$want', got '$got'"
    show_logs "$fn"
fi
health=""
for _ in $(seq 1 30); do
    health="$("$docker" inspect -f '{{.State.Health.Status}}' "$fn" 2>/dev/null)"
    [[ "$health" == "healthy" ]] && break
    sleep 0.3
done
if [[ "$health" == "healthy" ]]; then
    pass "watchdog: health check (lock file) is healthy"
else
    fail "watchdog: health is '$health'"
fi

# --- prometheus, alertmanager -----------------------------------------------------------------
start prom prometheus -p 127.0.0.1::9090 faas/prometheus:latest
if wait_http "http://$(host_port "$prom" 9090)/-/ready" 30 >/dev/null &&
    curl -sf -m 2 "http://$(host_port "$prom" 9090)/api/v1/rules" | grep APIHighInvocationRate >/dev/null; then
    pass "prometheus: ready, APIHighInvocationRate rule loaded"
else
    fail "prometheus: not ready or rule missing"
    show_logs "$prom"
fi
start am alertmanager -p 127.0.0.1::9093 faas/alertmanager:latest
if wait_http "http://$(host_port "$am" 9093)/-/ready" 30 >/dev/null &&
    curl -sf -m 2 "http://$(host_port "$am" 9093)/api/v2/status" | grep "system/alert" >/dev/null; then
    pass "alertmanager: ready, webhook to the gateway's /system/alert configured"
else
    fail "alertmanager: not ready or config missing"
    show_logs "$am"
fi

echo "images_test: images:"
"$docker" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
    grep -E '^(faas/[a-z-]+|functions/alpine):latest ' | sort | sed 's/^/  /'
echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
