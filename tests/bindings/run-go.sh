#!/usr/bin/env bash
# A gofmt check, then the Go binding's tests (cgo) against the built library.
# The binding finds the library with `#cgo pkg-config: bak2avro`. For a build tree we write that .pc here:
# the installed one is relocatable (configure_file), and meson writes an
# uninstalled .pc only for pkg.generate().
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${B2A_BUILD_ROOT:-$root/build-test}
pcdir=$build/bindings-pkgconfig
mkdir -p "$pcdir"
printf '%s\n' \
    "Name: bak2avro" \
    "Description: libbak2avro in the build tree $build" \
    "Version: $(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$root/meson.build" | head -n 1)" \
    "Libs: -L$build/src -lbak2avro" \
    "Cflags: -I$root/include -I$build/include" >"$pcdir/bak2avro.pc"
export PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export CGO_LDFLAGS="-Wl,-rpath,$build/src"
export B2A_SAMPLES=${B2A_SAMPLES:-$root/../shared/samples}
export GOFLAGS=-mod=mod GOCACHE=${GOCACHE:-/tmp/b2a-gocache} GOPATH=${GOPATH:-/tmp/b2a-gopath}
cd "$root/bindings/go"
# gofmt is the binding's layout: a file it would rewrite fails the run
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
    echo "not gofmt-clean (run gofmt -w on them): $unformatted" >&2
    exit 1
fi
exec go test -count=1 -v ./...
