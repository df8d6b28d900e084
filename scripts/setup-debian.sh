#!/usr/bin/env bash
# Prepare a Debian bookworm machine (as root): packages, a Docker engine on
# loopback, and the test images built from Debian packages. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

mapfile -t pkgs < <(grep -v '^\s*#' .ci/packages.txt | sed 's/\s*#.*//' | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# A Docker engine: bridge networking is not available on these machines,
# containers use host networking on 127.0.0.1.
if ! docker info >/dev/null 2>&1; then
    echo "setup: starting dockerd"
    $SUDO sh -c 'nohup dockerd --iptables=false --bridge=none >/var/log/dockerd-b2a.log 2>&1 &'
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/dockerd-b2a.log"; exit 1; }
fi

if [ -x scripts/build-test-images.sh ]; then
    scripts/build-test-images.sh
fi
echo "setup: done"
