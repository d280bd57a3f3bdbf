#!/usr/bin/env bash
# The platform on a real single-node Docker Swarm, end to end through the gateway:
#   images built (scripts/images.sh), compose/stack.yml deployed with `docker stack deploy`;
#   a secret and a function deployed through the gateway; sync and async calls (the async one
#   checked through /system/async-calls and its callback); the function scaled to 3 and three
#   replicas answering; the secret readable in the container and updated in place; logs;
#   the queue-worker service scaled by the provider; scale from zero; removal.
#
#   tests/swarm/stack_test.sh [--build-dir DIR] [--no-build]
#
# Starts dockerd when it is not running (installing docker.io when missing) and initialises a
# single-node Swarm when there is none; stops and leaves what it started. Prints
# "SKIP: <reason>" and exits 77 when dockerd cannot start. Removes the stack, the functions and
# secrets it made and its volumes; the images stay. FAAS_GATEWAY_PORT (default 18080) is the
# gateway's published port on this host.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

source "$root/tests/swarm/lib.sh"
parse_args "$@"
stack=faas
port="${FAAS_GATEWAY_PORT:-18080}"
gw="http://127.0.0.1:$port"
callback_pid=""
tmp="$(mktemp -d /tmp/faas-stack-test.XXXXXX)"

cleanup() {
    [[ -n "$callback_pid" ]] && kill "$callback_pid" 2>/dev/null && callback_pid=""
    stack_remove
    swarm_down
    dockerd_down
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

show() {  # show SERVICE: the last lines of a stack service's log
    echo "---- logs of $1"
    "$docker" service logs --tail 30 "${stack}_$1" 2>&1 | sed 's/^/    /'
}

wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        "$@" && return 0
        sleep 0.25
    done
    return 1
}

status_field() {  # status_field FN FIELD -> the number in /system/function/FN
    curl -s -m 5 "$gw/system/function/$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2
}

# Go's omitempty leaves a zero count out of the JSON.
available_is() { [[ "$(status_field "$1" availableReplicas)" == "${2#0}" ]]; }

invoke_ok() { curl -sf -m 5 -o /dev/null "$gw/function/$1" -d x; }

# --- dockerd and the Swarm ------------------------------------------------------------------------
dockerd_up stack_test
swarm_up stack_test

# --- images and the stack ------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
    if bash "$root/scripts/images.sh" "${build_args[@]}" --only gateway,queue-worker,provider,watchdog,nats,prometheus,alertmanager >"$tmp/images.log" 2>&1; then
        pass "scripts/images.sh built the images ($(grep -c ' MB ' "$tmp/images.log") lines of sizes)"
    else
        tail -n 20 "$tmp/images.log"
        fail "scripts/images.sh failed; nothing else is checked"
        echo "$passes passed, $failures failed"
        exit 1
    fi
fi

t0=$SECONDS
# The async check's callback goes to a receiver on this host, which the queue-worker reaches
# through docker_gwbridge: a private address the gateway refuses unless it is allowed.
gwbridge="$("$docker" network inspect docker_gwbridge --format '{{(index .IPAM.Config 0).Gateway}}' 2>/dev/null)"
[[ -n "$gwbridge" ]] || gwbridge=172.18.0.1
export FAAS_CALLBACK_ALLOW_HOSTS="$gwbridge"
if stack_deploy "$stack" "$port" "$tmp/deploy.log"; then
    pass "docker stack deploy -c compose/stack.yml $stack"
else
    cat "$tmp/deploy.log"
    fail "docker stack deploy failed"
    exit 1
fi
if wait_for 120 curl -sf -m 2 -o /dev/null "$gw/healthz" &&
    wait_for 60 bash -c "curl -sf -m 2 $gw/system/info | grep -q faas-swarm"; then
    pass "gateway answers on :$port with the Swarm provider behind it ($((SECONDS - t0)) s)"
else
    fail "the gateway or the provider did not come up within 180 s"
    show gateway
    show provider
    exit 1
fi
info="$(curl -s "$gw/system/info")"
grep -q '"orchestration":"swarm"' <<<"$info" && pass "/system/info: $info" || fail "/system/info: $info"

# --- a secret and a function --------------------------------------------------------------------
code="$(curl -s -o "$tmp/out" -w '%{http_code}' -XPOST "$gw/system/secrets" -d '{"name":"api-key","value":"s3cr3t"}')"
[[ "$code" =~ ^20[0-2]$ ]] && pass "secret created (HTTP $code)" || fail "secret create: $code $(cat "$tmp/out")"

deploy() {  # deploy JSON -> HTTP code
    curl -s -o "$tmp/out" -w '%{http_code}' -XPOST "$gw/system/functions" -d "$1"
}
code="$(deploy '{"service":"hash","image":"functions/alpine:latest","envProcess":"sha512sum","secrets":["api-key"],"labels":{"com.openfaas.scale.zero":"true"}}')"
[[ "$code" == 202 ]] && pass "hash deployed through the gateway" || fail "deploy hash: $code $(cat "$tmp/out")"
code="$(deploy '{"service":"secret","image":"functions/alpine:latest","envProcess":"cat /var/openfaas/secrets/api-key","secrets":["api-key"]}')"
[[ "$code" == 202 ]] && pass "secret-reader deployed" || fail "deploy secret: $code $(cat "$tmp/out")"
code="$(deploy '{"service":"whoami","image":"functions/alpine:latest","envProcess":"hostname"}')"
[[ "$code" == 202 ]] && pass "whoami deployed" || fail "deploy whoami: $code $(cat "$tmp/out")"
code="$(deploy '{"service":"hash","image":"functions/alpine:latest","envProcess":"cat"}')"
[[ "$code" == 409 ]] && pass "a second deploy of hash is 409" || fail "second deploy of hash: $code"
code="$(deploy '{"service":"nope","image":"functions/alpine:latest","secrets":["missing"]}')"
[[ "$code" == 400 ]] && pass "a deploy naming a missing secret is 400: $(cat "$tmp/out")" || fail "missing secret: $code"

t0=$SECONDS
if wait_for 60 invoke_ok hash; then
    pass "hash answers $((SECONDS - t0)) s after deploy"
else
    fail "hash did not answer within 60 s"
    show provider
fi
want="$(printf 'hello swarm' | sha512sum)"
got="$(curl -s "$gw/function/hash" --data-binary 'hello swarm')"
[[ "$got" == "$want" ]] && pass "sync call: sha512sum of the body" || fail "sync call: got '$got'"
list="$(curl -s "$gw/system/functions")"
grep -q '"name":"hash"' <<<"$list" && grep -q '"secrets":\["api-key"\]' <<<"$list" &&
    pass "faas-cli list view: hash with its secret" || fail "/system/functions: $list"

# --- the secret inside the container, then updated ---------------------------------------------
wait_for 60 invoke_ok secret
got="$(curl -s "$gw/function/secret" -d '')"
[[ "$got" == "s3cr3t" ]] && pass "the function reads /var/openfaas/secrets/api-key" || fail "secret read: '$got'"
code="$(curl -s -o "$tmp/out" -w '%{http_code}' -XPUT "$gw/system/secrets" -d '{"name":"api-key","value":"rotated"}')"
[[ "$code" =~ ^20[0-2]$ ]] && pass "secret updated (HTTP $code)" || fail "secret update: $code $(cat "$tmp/out")"
t0=$SECONDS
if wait_for 30 bash -c "[[ \"\$(curl -s -m 5 $gw/function/secret -d '')\" == rotated ]]"; then
    pass "the new secret value is served $((SECONDS - t0)) s after the update"
else
    fail "the function still reads the old secret 30 s after the update"
fi

# --- async, with a callback ---------------------------------------------------------------------
# The callback receiver listens on this host; containers reach it through docker_gwbridge.
cb_port=$((20000 + RANDOM % 20000))
python3 - "$cb_port" "$tmp/callback" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(out, "a") as f:
            f.write("%s %s %s\n" % (self.headers.get("X-Call-Id"), self.headers.get("X-Function-Status"), body.decode()))
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("0.0.0.0", port), H).serve_forever()
PY
callback_pid=$!
hdrs="$(curl -s -D - -o /dev/null -XPOST "$gw/async-function/hash" --data-binary 'async body' \
    -H "X-Callback-Url: http://$gwbridge:$cb_port/done")"
call_id="$(grep -i '^X-Call-Id:' <<<"$hdrs" | tr -d '\r' | awk '{print $2}')"
if grep -q '^HTTP/1.1 202' <<<"$hdrs" && [[ -n "$call_id" ]]; then
    pass "async call accepted: 202 with X-Call-Id $call_id"
else
    fail "async call: $hdrs $(curl -s -XPOST "$gw/async-function/hash" -d x -H "X-Callback-Url: http://$gwbridge:$cb_port/done")"
fi
if wait_for 60 bash -c "curl -s $gw/system/async-calls/$call_id | grep -q '\"succeeded\"'"; then
    pass "async call status: succeeded"
else
    fail "async call status: $(curl -s "$gw/system/async-calls/$call_id")"
    show queue-worker
fi
want="$(printf 'async body' | sha512sum)"
if wait_for 30 grep -q "$call_id 200 $want" "$tmp/callback"; then
    pass "callback received at $gwbridge:$cb_port with the call id, status 200 and the output"
else
    fail "callback: $(cat "$tmp/callback" 2>/dev/null)"
fi

# --- scale to 3: three replicas answer -------------------------------------------------------------
wait_for 60 invoke_ok whoami
code="$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$gw/system/scale-function/whoami" -d '{"serviceName":"whoami","replicas":3}')"
[[ "$code" == 202 ]] && pass "whoami scaled to 3 through the gateway" || fail "scale: $code"
t0=$SECONDS
if wait_for 60 available_is whoami 3; then
    pass "3 replicas available $((SECONDS - t0)) s later (docker: $("$docker" service ls --filter name=whoami --format '{{.Replicas}}'))"
else
    fail "availableReplicas of whoami: $(status_field whoami availableReplicas)"
fi
: >"$tmp/hosts"
for _ in $(seq 1 30); do curl -s "$gw/function/whoami" -d '' >>"$tmp/hosts"; done
distinct="$(sort -u "$tmp/hosts" | grep -c .)"
[[ "$distinct" -eq 3 ]] && pass "30 calls were answered by 3 different containers" ||
    fail "30 calls were answered by $distinct containers: $(sort -u "$tmp/hosts" | tr '\n' ' ')"

# --- logs -------------------------------------------------------------------------------------------
logs="$(curl -s -m 20 "$gw/system/logs?name=hash&tail=50")"
if grep -q '"name":"hash"' <<<"$logs" && grep -q 'Forking fprocess\|Wrote' <<<"$logs"; then
    pass "logs of hash through the gateway ($(grep -c . <<<"$logs") lines, per task instance)"
else
    fail "logs: $(head -c 300 <<<"$logs")"
fi

# --- the queue-worker service, scaled by the provider -------------------------------------------
code="$(curl -s -o "$tmp/out" -w '%{http_code}' -XPOST "$gw/system/scale-function/${stack}_queue-worker" -d "{\"serviceName\":\"${stack}_queue-worker\",\"replicas\":2}")"
if [[ "$code" == 202 ]] && wait_for 60 bash -c "[[ \$($docker service ls --filter name=${stack}_queue-worker --format '{{.Replicas}}') == 2/2 ]]"; then
    pass "queue-worker scaled to 2 replicas through the gateway"
else
    fail "queue-worker scale: $code $(cat "$tmp/out"); $("$docker" service ls --filter name=${stack}_queue-worker --format '{{.Replicas}}')"
fi

# --- scale from zero --------------------------------------------------------------------------------
curl -s -o /dev/null -XPOST "$gw/system/scale-function/hash" -d '{"serviceName":"hash","replicas":0}'
if wait_for 60 bash -c "[[ -z \"\$($docker ps -q --filter label=com.openfaas.function=hash)\" ]]" &&
    wait_for 10 available_is hash 0; then
    start_ns=$(date +%s%N)
    got="$(curl -s -m 30 "$gw/function/hash" --data-binary 'from zero')"
    ms=$((($(date +%s%N) - start_ns) / 1000000))
    want="$(printf 'from zero' | sha512sum)"
    [[ "$got" == "$want" ]] && pass "a call to hash at zero replicas scaled it up and answered in $ms ms" ||
        fail "scale from zero: got '$got' after $ms ms"
else
    fail "hash did not reach zero replicas"
fi

# --- certifier-style flows (docs/wire-contract.md §7) -----------------------------------------
code="$(deploy '{"service":"env-test-labels","image":"functions/alpine:latest","envProcess":"env","labels":{"upstream_uri":"example.com","canary_build":"true"}}')"
code2="$(deploy '{"service":"env-test-annotations","image":"functions/alpine:latest","envProcess":"env","annotations":{"topic":"awesome-kafka-topic","jsonkey":"{\n  \"key\": \"value\"\n}","quote":"2021-01-01T00:00:00Z"}}')"
code3="$(deploy '{"service":"memory-limit","image":"functions/alpine:latest","envProcess":"env","limits":{"memory":"5Mi","cpu":"100m"}}')"
code4="$(deploy '{"service":"scale-min","image":"functions/alpine:latest","envProcess":"env","labels":{"com.openfaas.scale.min":"2"},"envVars":{"custom_env":"custom_env_value"}}')"
[[ "$code$code2$code3$code4" == 202202202202 ]] && pass "metadata functions deployed" ||
    fail "metadata deploys: $code $code2 $code3 $code4"
st="$(curl -s "$gw/system/function/env-test-labels")"
grep -q '"upstream_uri":"example.com"' <<<"$st" && grep -q '"faas_function":"env-test-labels"' <<<"$st" &&
    grep -q '"annotations":{}' <<<"$st" && ! grep -q '"envVars"' <<<"$st" &&
    pass "labels echoed with faas_function, annotations {}, no envVars" || fail "labels status: $st"
st="$(curl -s "$gw/system/function/env-test-annotations")"
grep -qF '"jsonkey":"{\n  \"key\": \"value\"\n}"' <<<"$st" && grep -q '"quote":"2021-01-01T00:00:00Z"' <<<"$st" &&
    pass "a multi-line JSON annotation round-trips" || fail "annotations status: $st"
st="$(curl -s "$gw/system/function/memory-limit")"
grep -q '"limits":{"memory":"5Mi","cpu":"100m"}' <<<"$st" && ! grep -q '"requests"' <<<"$st" &&
    pass "limits echoed as sent (5Mi, 100m), requests absent" || fail "limits status: $st"
[[ "$(status_field scale-min replicas)" == 2 ]] && pass "com.openfaas.scale.min=2: replicas 2 right after deploy" ||
    fail "scale-min replicas: $(status_field scale-min replicas)"
ns="$(curl -s "$gw/system/namespaces")"
[[ "$ns" == '["openfaas-fn"]' ]] && pass "namespaces: $ns" || fail "namespaces: $ns"
wait_for 60 invoke_ok scale-min
verbs_ok=1
for verb in GET POST PUT PATCH DELETE; do
    out="$(curl -s -D "$tmp/h" -X "$verb" "$gw/function/scale-min.openfaas-fn?testing=1" -d '')"
    grep -q "Http_Method=$verb" <<<"$out" && grep -q "custom_env=custom_env_value" <<<"$out" &&
        grep -q "Http_Query=testing=1" <<<"$out" && grep -qi '^X-Call-Id: .' "$tmp/h" &&
        grep -qi '^X-Start-Time: .' "$tmp/h" || { verbs_ok=0; fail "$verb: $(head -c 200 <<<"$out")"; }
done
[[ $verbs_ok -eq 1 ]] && pass "GET/POST/PUT/PATCH/DELETE reach the function with Http_Method, Http_Query, envVars, X-Call-Id"
code="$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$gw/function/.openfaas-fn" -d '')"
[[ "$code" == 404 || "$code" == 502 ]] && pass "POST /function/.openfaas-fn is $code" || fail "empty name: $code"
raw="$(printf 'bytes\001\002' | base64)"
code="$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$gw/system/secrets" -d "{\"name\":\"secret-bytes\",\"rawValue\":\"$raw\"}")"
code2="$(deploy '{"service":"secret-bytes-fn","image":"functions/alpine:latest","envProcess":"cat /var/openfaas/secrets/secret-bytes","secrets":["secret-bytes"]}')"
if [[ "$code" =~ ^20[0-2]$ && "$code2" == 202 ]] && wait_for 60 invoke_ok secret-bytes-fn &&
    [[ "$(curl -s "$gw/function/secret-bytes-fn" -d '' | base64)" == "$raw" ]]; then
    pass "a rawValue secret reaches the function byte for byte"
else
    fail "rawValue secret: create $code, deploy $code2"
fi
code="$(curl -s -o /dev/null -w '%{http_code}' -XDELETE "$gw/system/functions" -d '{"functionName":"secret-bytes-fn"}')"
# The service goes at once; its tasks a moment later, and Docker refuses to delete a secret a
# service still names, not one a stopping task holds.
code2="$(curl -s -o "$tmp/out" -w '%{http_code}' -XDELETE "$gw/system/secrets" -d '{"name":"secret-bytes"}')"
if [[ "$code" == 202 && "$code2" =~ ^20[0-2]$ ]] && ! curl -s "$gw/system/secrets" | grep -q secret-bytes; then
    pass "function then secret deleted ($code2), the secret left the list"
else
    fail "secret delete: function $code, secret $code2 $(cat "$tmp/out")"
fi
for f in env-test-labels env-test-annotations memory-limit scale-min; do
    curl -s -o /dev/null -XDELETE "$gw/system/functions" -d "{\"functionName\":\"$f\"}"
done

# --- remove ---------------------------------------------------------------------------------------
code="$(curl -s -o /dev/null -w '%{http_code}' -XDELETE "$gw/system/functions" -d '{"functionName":"whoami"}')"
[[ "$code" == 202 ]] && pass "whoami removed (202)" || fail "remove: $code"
if wait_for 30 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' $gw/function/whoami) == 404 ]]"; then
    pass "a call to the removed function is 404 and its service is gone: $("$docker" service ls -q --filter name=whoami | wc -l) left"
else
    fail "whoami still routed after removal"
fi
code="$(curl -s -o /dev/null -w '%{http_code}' -XDELETE "$gw/system/functions" -d '{"functionName":"whoami"}')"
[[ "$code" == 404 ]] && pass "removing it again is 404" || fail "second remove: $code"

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
