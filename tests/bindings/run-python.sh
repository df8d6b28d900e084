#!/usr/bin/env bash
# The Python binding's tests, with Debian's python3, against the built library.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export B2A_BUILD_ROOT=${B2A_BUILD_ROOT:-$root/build-test}
build=$B2A_BUILD_ROOT
export B2A_LIBRARY=$build/src/libbak2avro.so.0
export B2A_SAMPLES=${B2A_SAMPLES:-$root/../shared/samples}
exec /usr/bin/python3 -m unittest -v "$root/bindings/python/tests/test_bak2avro.py"
