# Shared by the tests/swarm scripts (sourced): their arguments, counting checks, and a dockerd
# to run against.
#   pass/fail/skip MESSAGE   count a check; skip prints "SKIP: ..." and exits 77 after cleanup
#   dockerd_up NAME          uses the running dockerd, else installs docker.io when missing and
#                            starts one (stopped again by dockerd_down); skips where it cannot
#   dockerd_down             stops a dockerd that dockerd_up started, by PID
# The sourcing script defines cleanup() (its own objects, then dockerd_down) and traps EXIT.
# FAAS_DOCKERD_DATA_ROOT picks the data root of a dockerd started here.

# parse_args "$@": [--build-dir DIR] [--no-build] into build_args (for scripts/images.sh) and
# build (0 with --no-build).
parse_args() {
    build_args=()
    build=1
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --build-dir) build_args+=(--build-dir "$2"); shift 2 ;;
            --build-dir=*) build_args+=("$1"); shift ;;
            --no-build) build=0; shift ;;
            *) echo "usage: $0 [--build-dir DIR] [--no-build]" >&2; exit 2 ;;
        esac
    done
}

docker=/usr/bin/docker
dockerd_pid=""
dockerd_log=""
failures=0
passes=0

pass() { echo "PASS: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "SKIP: $*"; cleanup; exit 77; }

ping_dockerd() {
    if [[ -n "${DOCKER_HOST:-}" ]]; then
        "$docker" version >/dev/null 2>&1
    else
        curl -sf -m 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
    fi
}

dockerd_up() {
    local name="$1"
    if [[ ! -x "$docker" ]] || ! command -v dockerd >/dev/null; then
        if [[ "$(id -u)" -ne 0 ]]; then
            skip "docker.io is not installed and we are not root to install it"
        fi
        echo "$name: installing docker.io"
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/tmp/faas-docker-apt.log 2>&1; then
            apt-get update -q >>/tmp/faas-docker-apt.log 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >>/tmp/faas-docker-apt.log 2>&1 ||
                skip "apt-get install docker.io failed (/tmp/faas-docker-apt.log)"
        fi
    fi
    [[ -x "$docker" ]] || docker="$(command -v docker)"
    if ping_dockerd; then
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || skip "dockerd is not running and only root can start it"
    dockerd_log="$(mktemp "/tmp/faas-$name-dockerd.XXXXXX.log")"
    local data_args=()
    [[ -n "${FAAS_DOCKERD_DATA_ROOT:-}" ]] && data_args=(--data-root "$FAAS_DOCKERD_DATA_ROOT")
    echo "$name: starting dockerd (log $dockerd_log)"
    # No registry here: Swarm tasks use the local image instead of asking one for its digest.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd "${data_args[@]}" >"$dockerd_log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 1 150); do
        ping_dockerd && break
        kill -0 "$dockerd_pid" 2>/dev/null || break
        sleep 0.2
    done
    if ! ping_dockerd; then
        local reason
        reason="$(tail -n 1 "$dockerd_log" 2>/dev/null)"
        skip "dockerd did not start within 30 s: ${reason:-no log}"
    fi
}

dockerd_down() {
    if [[ -n "$dockerd_pid" ]]; then
        kill "$dockerd_pid" 2>/dev/null
        for _ in $(seq 1 100); do
            kill -0 "$dockerd_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$dockerd_pid" 2>/dev/null
        dockerd_pid=""
        # Its log is kept when something failed.
        [[ $failures -eq 0 && -n "$dockerd_log" ]] && rm -f "$dockerd_log"
    fi
}

# --- a single-node Swarm and the faas stack on it ---------------------------------------------
swarm_started=0
stack_name=""

swarm_up() {  # swarm_up NAME: a Swarm is active here afterwards (initialised when there is none)
    if [[ "$("$docker" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != "active" ]]; then
        local err
        if ! err="$("$docker" swarm init --advertise-addr 127.0.0.1 2>&1 >/dev/null)"; then
            skip "docker swarm init failed: $err"
        fi
        swarm_started=1
    fi
}

swarm_down() {  # leaves a Swarm that swarm_up initialised
    if [[ $swarm_started -eq 1 ]]; then
        "$docker" swarm leave --force >/dev/null 2>&1
        swarm_started=0
    fi
}

# stack_deploy STACK PORT LOGFILE: compose/stack.yml (images tagged latest) with the gateway
# published on PORT; returns non-zero when `docker stack deploy` fails.
stack_deploy() {
    if "$docker" stack ls 2>/dev/null | grep "^$1 " >/dev/null; then
        skip "a stack named $1 is already deployed here; remove it first (docker stack rm $1)"
    fi
    stack_name="$1"
    FAAS_TAG=latest FAAS_GATEWAY_PORT="$2" FAAS_CALLBACK_ALLOW_HOSTS="${FAAS_CALLBACK_ALLOW_HOSTS:-}" \
        "$docker" stack deploy --resolve-image never \
        -c "$root/compose/stack.yml" "$1" >"$3" 2>&1
}

# stack_remove: the functions, the stack, its network, volumes and the secrets the provider made.
stack_remove() {
    [[ -n "$stack_name" ]] || return 0
    "$docker" service ls -q --filter label=com.openfaas.function 2>/dev/null |
        xargs -r "$docker" service rm >/dev/null 2>&1
    "$docker" stack rm "$stack_name" >/dev/null 2>&1
    # Services go first; the network and volumes once their containers are gone.
    for _ in $(seq 1 60); do
        [[ -z "$("$docker" ps -q --filter label=com.docker.stack.namespace="$stack_name")" &&
            -z "$("$docker" ps -q --filter label=com.openfaas.function)" ]] && break
        sleep 1
    done
    "$docker" secret ls -q --filter label=com.openfaas.owner=openfaas 2>/dev/null |
        xargs -r "$docker" secret rm >/dev/null 2>&1
    "$docker" network rm functions >/dev/null 2>&1
    "$docker" volume ls -q --filter label=com.docker.stack.namespace="$stack_name" 2>/dev/null |
        xargs -r "$docker" volume rm >/dev/null 2>&1
    stack_name=""
}
