#!/usr/bin/env bash
# Installs what faas needs to build, test and run on Debian 12, and nothing that is already there.
# Idempotent: when every package is installed it makes no apt call at all. Run as root.
set -euo pipefail

PACKAGES=(
    build-essential g++ cmake ninja-build pkg-config
    libboost-dev libnats-dev libsimdjson-dev prometheus-cpp-dev libspdlog-dev libfmt-dev
    doctest-dev libyaml-cpp-dev libssl-dev
    nats-server nginx-light wrk hey curl python3 procps iproute2 socat openssl
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-deps: run as root (or install sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
else
    SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update"
"${SUDO[@]}" apt-get update -qq
echo "install-deps: apt-get install ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"

# nginx-light's postinst starts the system nginx on :80 where it can; faas starts its own nginx
# processes on free ports when it needs one and never uses the system service.
echo "install-deps: done"
