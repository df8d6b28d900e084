#!/bin/sh
# Build the bak2avro test images from Debian packages only: no registry is
# reachable in CI, so nothing is pulled.
#   bak2avro-test/debian:bookworm   debootstrap minbase rootfs, docker import
#   bak2avro-test/postgres:15       postgresql-15, official-image entrypoint contract
#   bak2avro-test/mariadb:10.11     mariadb-server, official-image entrypoint contract
# Idempotent: an image that exists is kept unless --force is given.
set -eu

FORCE=0
MIRROR=${B2A_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${B2A_IMAGE_CACHE:-/var/cache/bak2avro}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BASE=bak2avro-test/debian:bookworm

usage() { echo "usage: $0 [--force] [postgres|mariadb|base ...]" >&2; exit 2; }

targets=""
for a in "$@"; do
    case "$a" in
        --force) FORCE=1 ;;
        -h|--help) usage ;;
        base|postgres|mariadb) targets="$targets $a" ;;
        *) echo "build-test-images: unknown argument '$a'" >&2; usage ;;
    esac
done
[ -n "$targets" ] || targets="base postgres mariadb"

log() { echo "build-test-images: $*"; }
die() { echo "build-test-images: error: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "cannot reach the Docker engine (is the socket readable?)"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

base_done=0
build_base() { # force(0/1): only an explicit "base" target (or none) forces it
    [ "$base_done" = 0 ] || return 0
    base_done=1
    if have_image "$BASE" && [ "$1" = 0 ]; then
        log "$BASE exists, skipping (--force rebuilds)"; return 0
    fi
    tarball=""
    if [ -d "$CACHE" ] && [ -w "$CACHE" ]; then
        tarball="$CACHE/debian-bookworm-minbase.tar"
    fi
    if [ -n "$tarball" ] && [ -s "$tarball" ] && [ "$1" = 0 ]; then
        log "using cached rootfs $tarball"
    else
        command -v debootstrap >/dev/null 2>&1 || die "debootstrap not installed (apt-get install debootstrap)"
        [ "$(id -u)" = 0 ] || die "debootstrap needs root"
        work=$(mktemp -d /tmp/b2a-rootfs.XXXXXX)
        trap 'rm -rf "$work"' EXIT
        log "debootstrap bookworm (minbase) from $MIRROR ..."
        debootstrap --variant=minbase bookworm "$work/root" "$MIRROR" \
            >"$work/debootstrap.log" 2>&1 || {
            tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
        # Keep the image small: no apt lists, docs or caches.
        rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin \
               "$work/root/usr/share/doc/"* "$work/root/usr/share/man/"*
        printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" \
            >"$work/root/etc/apt/sources.list"
        [ -n "$tarball" ] || tarball="$work/rootfs.tar"
        tar -C "$work/root" --numeric-owner -cf "$tarball.tmp" . || die "tar of rootfs failed"
        mv "$tarball.tmp" "$tarball"
    fi
    log "importing $BASE"
    docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
        "$tarball" "$BASE" >/dev/null || die "docker import failed"
    trap - EXIT
    [ -z "${work:-}" ] || rm -rf "$work"
}

build_one() { # name tag
    if have_image "$2" && [ "$FORCE" = 0 ]; then
        log "$2 exists, skipping (--force rebuilds)"; return 0
    fi
    have_image "$BASE" || die "$BASE missing; build it first"
    log "building $2 from docker/$1 ..."
    docker build --network host -t "$2" "$HERE/docker/$1" || die "docker build of $2 failed"
}

for t in $targets; do
    case "$t" in
        base) build_base "$FORCE" ;;
        postgres) build_base 0; build_one postgres bak2avro-test/postgres:15 ;;
        mariadb) build_base 0; build_one mariadb bak2avro-test/mariadb:10.11 ;;
    esac
done
log "done: $(docker image ls --format '{{.Repository}}:{{.Tag}}' 'bak2avro-test/*' | tr '\n' ' ')"
