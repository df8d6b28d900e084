#!/usr/bin/env bash
# A type check, then the Python binding's tests, with Debian's python3, against the built library.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export B2A_BUILD_ROOT=${B2A_BUILD_ROOT:-$root/build-test}
build=$B2A_BUILD_ROOT
export B2A_LIBRARY=$build/src/libbak2avro.so.0
export B2A_SAMPLES=${B2A_SAMPLES:-$root/../shared/samples}
# the binding's type hints hold (mypy.ini: --strict); Debian's mypy, .ci/packages.txt
/usr/bin/python3 -m mypy --config-file "$root/tests/bindings/mypy.ini" --cache-dir "$build/mypy-cache" \
    "$root/bindings/python/bak2avro"
exec /usr/bin/python3 -m unittest -v "$root/bindings/python/tests/test_bak2avro.py"
