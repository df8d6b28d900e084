#!/bin/bash
# Test fixture: run CMD against a throw-away database container.
#   with-db.sh postgres|mariadb [--image IMG] -- CMD [ARGS...]
# Starts the bak2avro-test image with host networking on a free loopback
# port and a random password, waits until it answers a query, exports
#   B2A_TEST_DB_VENDOR B2A_TEST_DB_HOST B2A_TEST_DB_PORT B2A_TEST_DB_USER
#   B2A_TEST_DB_PASSWORD B2A_TEST_DB_NAME B2A_TEST_DB_CONTAINER
# runs CMD, removes the container whatever happens and exits with CMD's code.
# Exits 77 (meson's "skipped") when docker or the image is missing.
set -uo pipefail

me=with-db.sh
usage() { echo "usage: $me postgres|mariadb [--image IMG] -- CMD [ARGS...]" >&2; exit 2; }
skip() { echo "$me: SKIP: $*" >&2; exit 77; }
fail() { echo "$me: error: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
vendor=$1; shift
image=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case "$1" in
        --image) [ $# -ge 2 ] || usage; image=$2; shift 2 ;;
        *) usage ;;
    esac
done
[ "${1:-}" = -- ] || usage
shift
[ $# -ge 1 ] || usage

case "$vendor" in
    postgres) : "${image:=bak2avro-test/postgres:15}" ;;
    mariadb|mysql) vendor=mariadb; : "${image:=bak2avro-test/mariadb:10.11}" ;;
    *) usage ;;
esac

command -v docker >/dev/null 2>&1 || skip "docker CLI not found"
docker info >/dev/null 2>&1 || skip "Docker engine not reachable"
docker image inspect "$image" >/dev/null 2>&1 ||
    skip "image $image not present (run scripts/build-test-images.sh)"

# A port nobody listens on now (from /proc/net/tcp*, state 0A = LISTEN).
listening() {
    local sl local_addr rem st rest
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        while read -r sl local_addr rem st rest; do
            [ "$st" = 0A ] && echo $((16#${local_addr##*:}))
        done
}
free_port() {
    local used p i
    used=" $(listening | tr '\n' ' ') "
    for i in $(seq 50); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        case "$used" in *" $p "*) continue ;; esac
        echo "$p"; return 0
    done
    return 1
}

# Alphanumeric with every class present, so any password policy is met.
password() {
    local p
    p=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
    echo "${p}Aa1"
}

# Containers are labelled with this script's pid and start time, so a later
# run can tell a container whose with-db.sh is gone (SIGKILL runs no trap)
# from one that another test still uses.
start_time() { # pid: field 22 of /proc/PID/stat, counted after "(comm)"
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    set -- $stat
    echo "${20}"
}
me_owner="$$:$(start_time $$)"

# Remove the containers of earlier runs whose with-db.sh no longer lives.
sweep_orphans() {
    local id label pid start
    docker ps -aq --filter label=bak2avro.test=with-db 2>/dev/null | while read -r id; do
        label=$(docker inspect -f '{{index .Config.Labels "bak2avro.test.owner"}}' "$id" 2>/dev/null) || continue
        pid=${label%%:*} start=${label#*:}
        [ -n "$pid" ] && [ -n "$start" ] || continue
        if [ "$(start_time "$pid")" != "$start" ]; then
            docker rm -f "$id" >/dev/null 2>&1 &&
                echo "$me: removed container ${id:0:12} left by a killed run (pid $pid)" >&2
        fi
    done
}
sweep_orphans

cid=
cleanup() {
    if [ -n "$cid" ]; then
        docker rm -f "$cid" >/dev/null 2>&1 || echo "$me: warning: could not remove container $cid" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export B2A_TEST_DB_VENDOR=$vendor B2A_TEST_DB_HOST=127.0.0.1 B2A_TEST_DB_NAME=b2a
case "$vendor" in
    postgres) export B2A_TEST_DB_USER=b2a ;;
    mariadb) export B2A_TEST_DB_USER=root ;;
esac
B2A_TEST_DB_PASSWORD=$(password)
export B2A_TEST_DB_PASSWORD

# Passwords go through the environment (docker -e NAME with no value), never argv.
start() { # port
    case "$vendor" in
        postgres)
            POSTGRES_PASSWORD=$B2A_TEST_DB_PASSWORD docker run -d --network host \
                --label bak2avro.test=with-db --label "bak2avro.test.owner=$me_owner" -e POSTGRES_PASSWORD \
                -e POSTGRES_USER=b2a -e POSTGRES_DB=b2a \
                "$image" -p "$1" -c listen_addresses=127.0.0.1 ;;
        mariadb)
            MARIADB_ROOT_PASSWORD=$B2A_TEST_DB_PASSWORD docker run -d --network host \
                --label bak2avro.test=with-db --label "bak2avro.test.owner=$me_owner" -e MARIADB_ROOT_PASSWORD \
                -e MARIADB_DATABASE=b2a \
                "$image" --port="$1" --bind-address=127.0.0.1 ;;
    esac
}
probe() { # port
    case "$vendor" in
        postgres)
            PGPASSWORD=$B2A_TEST_DB_PASSWORD docker exec -e PGPASSWORD "$cid" \
                psql -h 127.0.0.1 -p "$1" -U b2a -d b2a -Atqc 'select 1' ;;
        mariadb)
            MYSQL_PWD=$B2A_TEST_DB_PASSWORD docker exec -e MYSQL_PWD "$cid" \
                mariadb -h 127.0.0.1 -P "$1" -uroot -N -e 'select 1' b2a ;;
    esac
}

ready=0
for attempt in 1 2 3; do
    port=$(free_port) || fail "no free loopback port found"
    cid=$(start "$port") || fail "docker run $image failed"
    for i in $(seq 120); do   # 60 s at most
        if [ "$(probe "$port" 2>/dev/null)" = 1 ]; then ready=1; break; fi
        if [ "$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null)" != true ]; then
            break
        fi
        sleep 0.5
    done
    [ "$ready" = 1 ] && break
    echo "$me: $vendor container did not become ready on port $port (attempt $attempt); last log lines:" >&2
    docker logs --tail 15 "$cid" >&2 2>&1
    docker rm -f "$cid" >/dev/null 2>&1; cid=
done
[ "$ready" = 1 ] || fail "$vendor container never became ready"

export B2A_TEST_DB_PORT=$port B2A_TEST_DB_CONTAINER=$cid
echo "$me: $vendor ready on 127.0.0.1:$port (container ${cid:0:12})" >&2

"$@"
rc=$?
exit "$rc"
