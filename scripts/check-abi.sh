#!/usr/bin/env bash
# ABI check: compare the built libbak2avro.so.0 with the committed baseline
# (abi/libbak2avro.so.0.abi, made by abidw from a -g build). Any change fails:
# an added function needs `scripts/check-abi.sh --update` and a CHANGES.md
# line in the same commit; a removal or layout change needs a soname bump.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${B2A_BUILD_ROOT:-$root/build-test}
lib=$build/src/libbak2avro.so.0
baseline=$root/abi/libbak2avro.so.0.abi
command -v abidiff >/dev/null || { echo "check-abi: abidiff missing (apt-get install abigail-tools)"; exit 1; }
if [ "${1:-}" = "--update" ]; then
    # no compile-folder or corpus paths: they would record one machine's folders
    abidw --no-comp-dir-path --no-corpus-path --headers-dir "$root/include" --out-file "$baseline" "$lib"
    echo "check-abi: baseline updated: $baseline"
    exit 0
fi
set +e
abidiff --headers-dir1 "$root/include" --headers-dir2 "$root/include" \
    --suppressions "$root/abi/b2a.abignore" "$baseline" "$lib"
rc=$?
set -e
if [ $((rc & 8)) -ne 0 ]; then
    echo "check-abi: INCOMPATIBLE change to the ABI of libbak2avro.so.0"
    exit 1
elif [ $((rc & 4)) -ne 0 ]; then
    echo "check-abi: the ABI changed; if intended (appended functions, enum values), run scripts/check-abi.sh --update and note it in CHANGES.md"
    exit 1
elif [ $rc -ne 0 ]; then
    echo "check-abi: abidiff failed ($rc)"
    exit 1
fi
echo "check-abi: ABI unchanged"
