#!/bin/sh
# Build the Debian packages (libbak2avro0, libbak2avro-dev, bak2avro) from this tree's
# committed HEAD in a temporary folder, then run lintian on them.
#   scripts/build-deb.sh [OUTDIR]      (default: a new folder under /tmp; prints it)
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$(mktemp -d /tmp/bak2avro-deb.XXXXXX)}
mkdir -p "$OUT/src"
git -C "$HERE" archive --format=tar --prefix=bak2avro-0.1.0/ HEAD | tar -x -C "$OUT/src"
cd "$OUT/src/bak2avro-0.1.0"
dpkg-buildpackage -us -uc -b
cd ..
lintian --fail-on error,warning ./*.changes
mv ./*.deb ./*.changes ./*.buildinfo "$OUT/"
echo "packages in $OUT"
