#!/usr/bin/env bash
# The Go binding's tests (cgo), against the built library. The binding finds it
# with `#cgo pkg-config: bak2avro`; pkg-config prefers the bak2avro-uninstalled.pc
# that meson writes into the build tree's meson-uninstalled/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${B2A_BUILD_ROOT:-$root/build-test}
export PKG_CONFIG_PATH=$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export CGO_LDFLAGS="-Wl,-rpath,$build/src"
export B2A_SAMPLES=${B2A_SAMPLES:-$root/../shared/samples}
export GOFLAGS=-mod=mod GOCACHE=${GOCACHE:-/tmp/b2a-gocache} GOPATH=${GOPATH:-/tmp/b2a-gopath}
cd "$root/bindings/go"
exec go test -count=1 -v ./...
