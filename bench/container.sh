# Sourced by bench/bench_*_export.sh: the throw-away test container they
# time against (host network, loopback, a free port, a random password),
# removed with the scratch folder when the script exits, also on failure or
# interrupt. The script sets `me` and defines fail() first.

# Fails unless a Docker engine answers and IMAGE is there; builds the test
# images when it is not and SRC_ROOT has scripts/build-test-images.sh.
#   bench_need_image IMAGE SRC_ROOT
bench_need_image() {
    command -v docker >/dev/null 2>&1 || fail "docker CLI not found"
    docker info >/dev/null 2>&1 || fail "Docker engine not reachable"
    docker image inspect "$1" >/dev/null 2>&1 && return 0
    echo "$me: $1 absent, building the test images" >&2
    [ -x "$2/scripts/build-test-images.sh" ] || fail "scripts/build-test-images.sh not found"
    "$2/scripts/build-test-images.sh" >&2 || fail "building $1 failed"
}

# tmp: a fresh folder in SCRATCH_DIR. At exit it is removed, and so is the
# container whose id the script puts in cid.
#   bench_scratch SCRATCH_DIR
bench_scratch() {
    cid=
    tmp=$(mktemp -d "$1/${me%.sh}.XXXXXX") || fail "mktemp in $1"
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
bench_cleanup() {
    [ -n "$cid" ] && { docker rm -f "$cid" >/dev/null 2>&1 || echo "$me: warning: could not remove container $cid" >&2; }
    rm -rf "$tmp"
}

# A loopback port nobody listens on now (/proc/net/tcp*, state 0A = LISTEN).
bench_free_port() {
    local used p a st
    used=" $(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
             while read -r _ a _ st _; do [ "$st" = 0A ] && echo $((16#${a##*:})); done | tr '\n' ' ') "
    for _ in $(seq 50); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        case "$used" in *" $p "*) continue ;; esac
        echo "$p"; return 0
    done
    return 1
}

# Alphanumeric with every class present, so any password policy is met.
bench_password() {
    echo "$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)Aa1"
}

# Waits until CMD prints 1 (a `select 1`), half a second between TRIES
# tries, while the container cid runs; else its log's end and fail.
#   bench_wait_ready NAME TRIES CMD...
bench_wait_ready() {
    local name=$1 tries=$2
    shift 2
    for _ in $(seq "$tries"); do
        [ "$("$@" 2>/dev/null)" = 1 ] && return 0
        [ "$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null)" = true ] || break
        sleep 0.5
    done
    docker logs --tail 20 "$cid" >&2
    fail "$name did not become ready"
}
