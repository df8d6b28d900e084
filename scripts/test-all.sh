#!/usr/bin/env bash
# Run every test suite: a normal build, then the same suites under
# AddressSanitizer + UndefinedBehaviorSanitizer, the fuzz targets for a
# bounded time, the bindings' tests and the ABI check. Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
passed=0 failed=0 skipped=0
failures=()

count_meson() { # build dir, label
    local log="$1/meson-logs/testlog.json"
    [ -f "$log" ] || return
    local p f s
    read -r p f s < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$f" -gt 0 ] && failures+=("$2: $f failed (see $1/meson-logs/testlog.txt)")
}

run_meson() { # build dir, label, extra setup args...
    local dir=$1 label=$2; shift 2
    echo "=== $label ==="
    if [ ! -d "$dir" ]; then
        meson setup "$dir" "$@" >/dev/null || { failed=$((failed + 1)); failures+=("$label: meson setup failed"); return; }
    fi
    if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
        tail -40 "$dir.ninja.log"
        failed=$((failed + 1)); failures+=("$label: build failed")
        return
    fi
    meson test -C "$dir" --print-errorlogs --num-processes 2 ${MESON_TEST_ARGS:-} || true
    count_meson "$dir" "$label"
}

# Build only (the suites run in the gcc builds): clang's warnings differ from gcc's.
build_only() { # build dir, label, extra setup args...
    local dir=$1 label=$2; shift 2
    echo "=== $label ==="
    if [ ! -d "$dir" ]; then
        meson setup "$dir" "$@" >/dev/null || { failed=$((failed + 1)); failures+=("$label: meson setup failed"); return; }
    fi
    if ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
        passed=$((passed + 1))
    else
        tail -40 "$dir.ninja.log"
        failed=$((failed + 1)); failures+=("$label: build failed (see $dir.ninja.log)")
    fi
}

run_meson build-test "build -Wall -Wextra -Werror"
# The whole project (tests and bench included) with clang -Werror; the fuzz
# build below holds only the instrumented library archive and the targets.
CC=clang build_only build-clang "build (clang -Wall -Wextra -Werror)"
# -O3 lets gcc see further (stringop-overflow): the release build packagers make must build too.
build_only build-release "build (gcc -O3 release, -Werror)" -Dbuildtype=release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_meson build-asan "ASan+UBSan" -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fno-sanitize-recover=all -Dbuildtype=debug
# The libFuzzer targets (clang), each run for a bounded time under ASan+UBSan;
# a crash prints the crashing input's path (doc/fuzzing.md).
CC=clang MESON_TEST_ARGS="--suite fuzz" run_meson build-fuzz "fuzz (libFuzzer, ASan+UBSan)" \
    -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all

# Bindings and ABI checks report their own pass/fail counts.
for t in tests/bindings/run-*.sh scripts/check-abi.sh; do
    [ -x "$t" ] || continue
    echo "=== $t ==="
    if B2A_BUILD_ROOT=$root/build-test "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$t"); fi
done

echo
for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
