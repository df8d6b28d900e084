#!/usr/bin/env bash
# The Go binding's tests (cgo), against the built library.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${B2A_BUILD_ROOT:-$root/build-test}
export CGO_CFLAGS="-I$root/include -I$build/include"
export CGO_LDFLAGS="-L$build/src -Wl,-rpath,$build/src"
export B2A_SAMPLES=${B2A_SAMPLES:-$root/../shared/samples}
export GOFLAGS=-mod=mod GOCACHE=${GOCACHE:-/tmp/b2a-gocache} GOPATH=${GOPATH:-/tmp/b2a-gopath}
cd "$root/bindings/go"
exec go test -count=1 -v ./...
