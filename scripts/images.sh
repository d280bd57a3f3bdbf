#!/usr/bin/env bash
# Builds the platform's container images from a build's executables, with no registry and no
# download: each image's root filesystem is assembled here from files of this machine (the
# executable, every shared library ldd lists, the dynamic loader) and `docker build` turns it
# into an image FROM scratch. Needs a running dockerd (compose/README.md shows how to start one).
#
#   scripts/images.sh [--build-dir DIR] [--tag T] [--only LIST] [--no-strip]
#
#   --build-dir DIR  where gateway, queue-worker, faas-provider, faas-replica and fwatchdog are
#                    (default: build/bin of this repo, as `scripts/build.sh release` leaves them)
#   --tag T          tag for this build (default: the repo's git short sha); `latest` is always
#                    tagged too
#   --only LIST      comma list of images to build, by short name (default: all):
#                    gateway,queue-worker,provider,watchdog,nats,prometheus,alertmanager
#   --no-strip       keep the debug info of our executables (RelWithDebInfo builds carry ~40 MB
#                    of it each; by default it is stripped in the image, symbols are kept)
#
# Images: faas/gateway, faas/queue-worker, faas/provider, faas/watchdog (also tagged
# functions/alpine:latest: the function base with fwatchdog and busybox's shell tools),
# faas/nats (nats-server with JetStream), faas/prometheus, faas/alertmanager. The last three use
# Debian's nats-server, prometheus and prometheus-alertmanager, installed here when missing.
# DOCKER names the docker client (default /usr/bin/docker when present, else docker on PATH).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
all_images=(gateway queue-worker provider watchdog nats prometheus alertmanager)

build_dir="$root/build/bin"
tag=""
only=""
strip_bins=1

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

die() {
    echo "images: $*" >&2
    exit 1
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --build-dir) [[ $# -ge 2 ]] || die "--build-dir needs a directory"; build_dir="$2"; shift 2 ;;
        --build-dir=*) build_dir="${1#*=}"; shift ;;
        --tag) [[ $# -ge 2 ]] || die "--tag needs a value"; tag="$2"; shift 2 ;;
        --tag=*) tag="${1#*=}"; shift ;;
        --only) [[ $# -ge 2 ]] || die "--only needs a list"; only="$2"; shift 2 ;;
        --only=*) only="${1#*=}"; shift ;;
        --no-strip) strip_bins=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "images: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

[[ -d "$build_dir" ]] ||
    die "build dir $build_dir not found: build it with scripts/build.sh release, or pass --build-dir DIR"
build_dir="$(cd "$build_dir" && pwd)"

if [[ -z "$tag" ]]; then
    tag="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo dev)"
fi
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag $tag: not a valid docker tag"

selected=()
if [[ -z "$only" ]]; then
    selected=("${all_images[@]}")
else
    IFS=',' read -r -a selected <<<"$only"
    for name in "${selected[@]}"; do
        [[ " ${all_images[*]} " == *" $name "* ]] ||
            die "--only: unknown image $name (known: ${all_images[*]})"
    done
fi

wants() { [[ " ${selected[*]} " == *" $1 "* ]]; }

# --- docker ---------------------------------------------------------------------------------
docker="${DOCKER:-}"
if [[ -z "$docker" ]]; then
    if [[ -x /usr/bin/docker ]]; then
        docker=/usr/bin/docker
    else
        docker="$(command -v docker || true)"
    fi
fi
[[ -n "$docker" ]] || die "no docker client: install docker.io (apt-get install docker.io)"
# The classic builder: FROM scratch plus ADD needs nothing BuildKit adds.
export DOCKER_BUILDKIT=0

server_version="$("$docker" version --format '{{.Server.Version}}' 2>/dev/null)" ||
    die "dockerd is not reachable through $docker (${DOCKER_HOST:-unix:///var/run/docker.sock}).
Start it, e.g.: dockerd >/tmp/dockerd.log 2>&1 &   (compose/README.md, step 2)"

# --- what is needed, checked before anything is built ----------------------------------------
need_bin() {
    [[ -x "$build_dir/$1" ]] ||
        die "$build_dir/$1 is missing: build it with scripts/build.sh release (target $1), or pass --build-dir DIR"
}

# A Debian package's executable: installed when missing (we are root), else a clear failure.
need_package_bin() {
    local path="$1" package="$2"
    if [[ -x "$path" ]]; then
        return
    fi
    if [[ "$(id -u)" -ne 0 ]]; then
        die "$path is missing: apt-get install $package (as root)"
    fi
    echo "images: installing Debian package $package for $path"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package" \
        >/tmp/faas-images-apt.log 2>&1; then
        apt-get update -q >/tmp/faas-images-apt.log 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package" \
            >>/tmp/faas-images-apt.log 2>&1 ||
            die "apt-get install $package failed (log: /tmp/faas-images-apt.log)"
    fi
    [[ -x "$path" ]] || die "$package is installed but $path is not there"
}

busybox_path() {
    local p
    for p in /usr/bin/busybox /bin/busybox; do
        [[ -x "$p" ]] && { echo "$p"; return; }
    done
}

wants gateway && need_bin gateway
wants queue-worker && need_bin queue-worker
if wants provider; then
    need_bin faas-provider
    need_bin fwatchdog  # the provider refuses to start without it (provider/config.cpp)
fi
if wants watchdog; then
    need_bin fwatchdog
    [[ -n "$(busybox_path)" ]] || need_package_bin /usr/bin/busybox busybox-static
fi
wants nats && need_package_bin /usr/sbin/nats-server nats-server
wants prometheus && need_package_bin /usr/bin/prometheus prometheus
wants alertmanager && need_package_bin /usr/bin/prometheus-alertmanager prometheus-alertmanager
for tool in ldd tar; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install libc-bin tar)"
done
if [[ $strip_bins -eq 1 ]] && ! command -v objcopy >/dev/null; then
    echo "images: objcopy not found (binutils): executables are packaged unstripped"
    strip_bins=0
fi

work="$(mktemp -d /tmp/faas-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# --- root filesystem helpers (all act on $rootfs) --------------------------------------------
rootfs=""
owned_dirs=()  # empty directories owned by the image's user (uid:gid in $owner)
owner="65534:65534"

# Copies one file from this machine to the same path in the image (symlinks followed).
add_host_file() {
    local src="$1" dest="${2:-$1}"
    [[ -e "$src" ]] || die "$src is missing on this machine"
    mkdir -p "$rootfs$(dirname "$dest")"
    cp -L --preserve=mode "$src" "$rootfs$dest"
}

# Copies every shared library ldd lists for $1, and the dynamic loader, to their paths.
add_libraries() {
    local exe="$1" out line path
    out="$(LC_ALL=C ldd "$exe" 2>&1)" || true
    if grep -q "not a dynamic executable\|statically linked" <<<"$out"; then
        return
    fi
    if grep -q "not found" <<<"$out"; then
        die "$exe: shared libraries not found on this machine:
$(grep 'not found' <<<"$out")"
    fi
    while read -r line; do
        case "$line" in
            *"=> /"*) path="${line#*=> }"; path="${path%% (*}" ;;
            /*) path="${line%% (*}" ;;
            *) continue ;;  # linux-vdso and friends: no file
        esac
        [[ -e "$rootfs$path" ]] || add_host_file "$path"
    done <<<"$out"
}

# An executable with its libraries; ours lose their debug info unless --no-strip.
add_executable() {
    local src="$1" dest="$2"
    mkdir -p "$rootfs$(dirname "$dest")"
    if [[ $strip_bins -eq 1 && "$src" == "$build_dir"/* ]]; then
        objcopy --strip-debug "$src" "$rootfs$dest"
    else
        cp -L "$src" "$rootfs$dest"
    fi
    chmod 0755 "$rootfs$dest"
    add_libraries "$src"
}

# /etc basics every image gets: users, name resolution, CA certificates, /tmp.
add_base() {
    local extra_user="${1:-}"
    mkdir -p "$rootfs/etc" "$rootfs/tmp"
    chmod 1777 "$rootfs/tmp"
    {
        echo "root:x:0:0:root:/root:/bin/sh"
        [[ -n "$extra_user" ]] && echo "$extra_user"
        echo "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"
    } >"$rootfs/etc/passwd"
    {
        echo "root:x:0:"
        [[ -n "$extra_user" ]] && echo "$(cut -d: -f1 <<<"$extra_user"):x:$(cut -d: -f4 <<<"$extra_user"):"
        echo "nogroup:x:65534:"
    } >"$rootfs/etc/group"
    # glibc 2.34+ has the files and dns modules built in: no libnss_* to copy.
    echo "hosts: files dns" >"$rootfs/etc/nsswitch.conf"
    if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
        add_host_file /etc/ssl/certs/ca-certificates.crt
    fi
}

# An empty directory owned by the image's user (data directories, the function's home); its
# parents stay root's.
add_owned_dir() {
    mkdir -p "$rootfs$(dirname "$1")"
    owned_dirs+=(".$1")
}

# The loader finds the copied libraries through a cache made for this root.
finish_rootfs() {
    local dirs
    dirs="$(cd "$rootfs" && find . -name '*.so*' -type f -printf '%h\n' 2>/dev/null |
        sed 's|^\.||' | sort -u)"
    if [[ -n "$dirs" ]]; then
        echo "$dirs" >"$rootfs/etc/ld.so.conf"
        local ldconfig
        ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
        "$ldconfig" -r "$rootfs" 2>/dev/null ||
            echo "images: warning: ldconfig -r failed; the loader's default paths are used"
    fi
}

# --- building ---------------------------------------------------------------------------------
built_summary=()

# build_image NAME DOCKERFILE_TAIL [EXTRA_TAGS...]: $rootfs and $owned_dirs are ready.
build_image() {
    local name="$1" tail="$2"
    shift 2
    local ctx="$work/$name/ctx" image="faas/$name"
    mkdir -p "$ctx"
    finish_rootfs
    # tar keeps modes (/tmp's sticky bit) and sets owners without needing root here.
    tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf "$ctx/rootfs.tar" .
    local owned_add=""
    if [[ ${#owned_dirs[@]} -gt 0 ]]; then
        local stage="$work/$name/owned" d
        for d in "${owned_dirs[@]}"; do
            mkdir -p "$stage/$d"
        done
        tar -C "$stage" --numeric-owner --owner="${owner%%:*}" --group="${owner##*:}" \
            --no-recursion -cf "$ctx/owned.tar" "${owned_dirs[@]}"
        owned_add="ADD owned.tar /"
    fi
    {
        echo "FROM scratch"
        echo "ADD rootfs.tar /"
        [[ -z "$owned_add" ]] || echo "$owned_add"
        echo "LABEL org.opencontainers.image.title=\"$image\" org.opencontainers.image.revision=\"$tag\" org.opencontainers.image.source=\"faas: scripts/images.sh\""
        printf '%s\n' "$tail"
    } >"$ctx/Dockerfile"
    local args=(-t "$image:$tag" -t "$image:latest")
    local extra
    for extra in "$@"; do
        args+=(-t "$extra")
    done
    if ! "$docker" build --network none --rm --force-rm "${args[@]}" "$ctx" \
        >"$work/$name/build.log" 2>&1; then
        cat "$work/$name/build.log" >&2
        die "docker build of $image failed"
    fi
}

# Runs one image's recipe with fresh trees, and reports size and time.
make_image() {
    local name="$1" recipe="$2" start size
    start="$EPOCHREALTIME"
    rootfs="$work/$name/rootfs"
    owned_dirs=()
    owner="65534:65534"
    mkdir -p "$rootfs"
    echo "images: [$((index + 1))/${#selected[@]}] faas/$name:$tag ..."
    "$recipe"
    size="$("$docker" image inspect --format '{{.Size}}' "faas/$name:$tag")"
    local secs
    secs="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
    local mb
    mb="$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1000000 }')"
    echo "images:        faas/$name:$tag and :latest  ${mb} MB  ${secs} s"
    built_summary+=("faas/$name:$tag  ${mb} MB")
}

recipe_gateway() {
    add_base
    add_executable "$build_dir/gateway" /usr/bin/gateway
    build_image gateway '
USER 65534:65534
ENV bind_address=0.0.0.0
EXPOSE 8080 8082
ENTRYPOINT ["/usr/bin/gateway"]'
}

recipe_queue_worker() {
    add_base
    add_executable "$build_dir/queue-worker" /usr/bin/queue-worker
    build_image queue-worker '
USER 65534:65534
ENV bind_address=0.0.0.0
EXPOSE 8083
ENTRYPOINT ["/usr/bin/queue-worker"]'
}

recipe_provider() {
    add_base
    add_executable "$build_dir/faas-provider" /usr/bin/faas-provider
    # Found next to the provider's own executable (provider/config.cpp): fwatchdog is required,
    # faas-replica is optional (the provider falls back to its own --exec-replica mode).
    add_executable "$build_dir/fwatchdog" /usr/bin/fwatchdog
    if [[ -x "$build_dir/faas-replica" ]]; then
        add_executable "$build_dir/faas-replica" /usr/bin/faas-replica
    fi
    mkdir -p "$rootfs/var/lib/faas"
    # root: the Swarm back end talks to /var/run/docker.sock.
    build_image provider '
ENV bind_address=0.0.0.0 state_dir=/var/lib/faas
EXPOSE 8081
ENTRYPOINT ["/usr/bin/faas-provider"]'
}

recipe_watchdog() {
    local busybox
    busybox="$(busybox_path)"
    add_base "app:x:12000:12000:app:/home/app:/bin/sh"
    owner="12000:12000"
    add_owned_dir /home/app
    add_executable "$build_dir/fwatchdog" /usr/bin/fwatchdog
    add_executable "$busybox" /bin/busybox
    # busybox's applets (sh, cat, sha512sum, wc, env, date, sleep, grep, sed, wget, ...) as
    # links at the paths busybox itself names.
    # (One perl process, not ~270 ln processes: perl-base is Essential in Debian.)
    mkdir -p "$rootfs/bin" "$rootfs/sbin" "$rootfs/usr/bin" "$rootfs/usr/sbin"
    "$busybox" --list-full | grep -E '^(usr/)?s?bin/[^/]+$' |
        (cd "$rootfs" && perl -ne 'chomp; symlink("/bin/busybox", $_) unless -e $_ || -l $_')
    [[ -L "$rootfs/bin/sh" && -L "$rootfs/usr/bin/sha512sum" ]] ||
        die "$busybox lacks sh or sha512sum"
    # CMD, not ENTRYPOINT: OpenFaaS function Dockerfiles built on functions/alpine end with
    # CMD ["fwatchdog"], which an ENTRYPOINT would turn into `fwatchdog fwatchdog`.
    # The health check is the classic watchdog's lock-file contract (/tmp/.lock).
    build_image watchdog '
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /home/app
USER 12000:12000
EXPOSE 8080 8081
HEALTHCHECK --interval=1s --timeout=1s --retries=3 CMD ["/usr/bin/fwatchdog", "-run-healthcheck"]
CMD ["fwatchdog"]' functions/alpine:latest
}

recipe_nats() {
    add_base
    add_executable /usr/sbin/nats-server /usr/bin/nats-server
    add_owned_dir /data
    # JetStream on, its store in /data (mount a volume there), monitoring on 8222
    # (/healthz, /varz, /jsz). Arguments given to the container replace CMD.
    build_image nats '
USER 65534:65534
EXPOSE 4222 6222 8222
ENTRYPOINT ["/usr/bin/nats-server"]
CMD ["--jetstream", "--store_dir", "/data", "--port", "4222", "--http_port", "8222"]'
}

recipe_prometheus() {
    local web=/usr/share/prometheus/web f
    add_base
    add_executable /usr/bin/prometheus /usr/bin/prometheus
    # Debian's prometheus reads its classic UI from $web, whose JavaScript libraries are links
    # into /usr/share/javascript: copy just the files the templates load.
    mkdir -p "$rootfs$web"
    cp -a "$web/templates" "$rootfs$web/"
    (cd "$web" && find static -type f) | while read -r f; do add_host_file "$web/$f"; done
    grep -rhoE 'static/[A-Za-z0-9./_-]+' "$web/templates" | sort -u | while read -r f; do
        [[ -e "$web/$f" && ! -e "$rootfs$web/$f" ]] && add_host_file "$web/$f"
        true
    done
    install -D -m 0644 "$root/compose/prometheus.yml" "$rootfs/etc/prometheus/prometheus.yml"
    install -D -m 0644 "$root/compose/alert.rules.yml" "$rootfs/etc/prometheus/alert.rules.yml"
    add_owned_dir /prometheus
    build_image prometheus '
USER 65534:65534
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=0.0.0.0:9090"]'
}

recipe_alertmanager() {
    add_base
    add_executable /usr/bin/prometheus-alertmanager /usr/bin/alertmanager
    # Debian's build reads its notification templates and UI from here.
    mkdir -p "$rootfs/usr/share/prometheus"
    cp -a /usr/share/prometheus/alertmanager "$rootfs/usr/share/prometheus/"
    install -D -m 0644 "$root/compose/alertmanager.yml" "$rootfs/etc/alertmanager/alertmanager.yml"
    add_owned_dir /alertmanager
    # --cluster.listen-address= : one instance, no gossip port, no private-address lookup.
    build_image alertmanager '
USER 65534:65534
EXPOSE 9093
ENTRYPOINT ["/usr/bin/alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", "--web.listen-address=0.0.0.0:9093", "--cluster.listen-address="]'
}

echo "images: ${#selected[@]} image(s), tag $tag, executables from $build_dir, dockerd $server_version"
total_start="$EPOCHREALTIME"
index=0
for name in "${selected[@]}"; do
    make_image "$name" "recipe_${name//-/_}"
    index=$((index + 1))
done
total="$(awk -v a="$total_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
echo "images: done in ${total} s:"
printf 'images:   %s\n' "${built_summary[@]}"
if wants watchdog; then
    echo "images:   functions/alpine:latest = faas/watchdog:$tag"
fi
