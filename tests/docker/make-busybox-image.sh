#!/bin/sh
# Builds the tiny image the real-engine tests use, bak2avro-test/busybox:latest,
# from Debian's busybox-static: /bin/busybox in a tar, imported through the
# Engine API (what `docker import` does), so neither a registry nor the docker
# CLI is needed. Idempotent: does nothing when the image is already there.
# Exit status: 0 ready, 2 no engine answers, 3 busybox-static not installed,
# 1 anything else.
set -eu

TAG_REPO=bak2avro-test/busybox
TAG=latest
case "${DOCKER_HOST:-}" in
    unix://*) SOCK=${DOCKER_HOST#unix://} ;;
    "") SOCK=/var/run/docker.sock ;;
    *) echo "make-busybox-image: DOCKER_HOST=$DOCKER_HOST is not a unix:// socket" >&2; exit 2 ;;
esac
API="http://docker/v1.41"
BUSYBOX=/bin/busybox

api() { curl -sS --unix-socket "$SOCK" --max-time 60 "$@"; }

if ! api -o /dev/null "$API/_ping" 2>/dev/null; then
    echo "make-busybox-image: no Docker engine answers at $SOCK" >&2
    exit 2
fi
code=$(api -o /dev/null -w '%{http_code}' "$API/images/$TAG_REPO:$TAG/json")
if [ "$code" = 200 ]; then
    exit 0
fi
# The static busybox: the dynamic one would need a libc in the image.
if [ ! -x "$BUSYBOX" ] || ! dpkg -s busybox-static >/dev/null 2>&1; then
    echo "make-busybox-image: Debian package busybox-static is not installed (apt-get install busybox-static)" >&2
    exit 3
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/tmp" "$work/root/etc"
cp "$BUSYBOX" "$work/root/bin/busybox"
ln -s busybox "$work/root/bin/sh"
chmod 1777 "$work/root/tmp"
echo "root:x:0:0:root:/:/bin/sh" > "$work/root/etc/passwd"
tar -C "$work/root" --owner=0 --group=0 --numeric-owner -cf "$work/image.tar" .

# changes: give it a PATH and a command that keeps it alive.
changes=$(printf '%s' 'ENV PATH=/bin' | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
cmd=$(printf '%s' 'CMD ["/bin/busybox","sleep","3600"]' | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
out=$(api -X POST -H 'Content-Type: application/x-tar' --data-binary "@$work/image.tar" \
      "$API/images/create?fromSrc=-&repo=$TAG_REPO&tag=$TAG&changes=$changes&changes=$cmd")
case "$out" in
    *'"error"'*|*'"message"'*) echo "make-busybox-image: import failed: $out" >&2; exit 1 ;;
esac
code=$(api -o /dev/null -w '%{http_code}' "$API/images/$TAG_REPO:$TAG/json")
if [ "$code" != 200 ]; then
    echo "make-busybox-image: import gave no image $TAG_REPO:$TAG: $out" >&2
    exit 1
fi
echo "make-busybox-image: built $TAG_REPO:$TAG"
