#!/bin/bash
# Benchmark of the Dask export (not a test): one large table on 1 and on 2
# Dask workers, rows/s as a ratio in one run.
#   bench/bench_dask_export.sh -b BUILD_DIR [-n ROWS] [-r ROUNDS] [-s SPLITS] [-o SCRATCH_DIR]
# Starts a throw-away bak2avro-test/postgres:15 container (host network,
# loopback, free port, random password), fills public.bench_wide with ROWS
# rows (default 2,000,000) of mixed types and a primary key, then runs
# bench/dask_workers.py: bak2avro.dask.export of that table in SPLITS key
# ranges (default 4) on a LocalCluster of 1 worker process and on one of 2,
# alternating, ROUNDS times (default 3); the medians and
# `RESULT dask workers2/workers1 R`. The container is removed at the end,
# also on failure or interrupt.
set -uo pipefail

me=bench_dask_export.sh
here=$(cd "$(dirname "$0")" && pwd)
image=bak2avro-test/postgres:15
rows=2000000
rounds=3
splits=4
scratch=/tmp
build=

usage() { echo "usage: $me -b BUILD_DIR [-n ROWS] [-r ROUNDS] [-s SPLITS] [-o SCRATCH_DIR]" >&2; exit 2; }
fail() { echo "$me: error: $*" >&2; exit 1; }

while getopts b:n:r:s:o:h opt; do
    case $opt in
        b) build=$OPTARG ;;
        n) rows=$OPTARG ;;
        r) rounds=$OPTARG ;;
        s) splits=$OPTARG ;;
        o) scratch=$OPTARG ;;
        *) usage ;;
    esac
done
case "$rows$rounds$splits" in *[!0-9]*) usage ;; esac
[ "$rows" -ge 1 ] && [ "$rounds" -ge 1 ] && [ "$splits" -ge 1 ] || usage
# Run from the source tree (the driver imports bindings/python from it).
[ -n "$build" ] || usage
lib=$(cd "$build" && pwd)/src/libbak2avro.so
[ -f "$lib" ] || fail "$lib not built (ninja -C BUILD_DIR)"
driver=$here/dask_workers.py
[ -f "$driver" ] || fail "$driver not found"
/usr/bin/python3 -c 'import distributed' 2>/dev/null || fail "Debian's python3-distributed is not installed"
. "$here/container.sh"
bench_need_image "$image" "$here/.."
bench_scratch "$scratch"
PGPASSWORD=$(bench_password)
export PGPASSWORD
port=$(bench_free_port) || fail "no free loopback port"
cid=$(POSTGRES_PASSWORD=$PGPASSWORD docker run -d --network host --label bak2avro.test=bench \
        -e POSTGRES_PASSWORD -e POSTGRES_USER=b2a -e POSTGRES_DB=b2a \
        "$image" -p "$port" -c listen_addresses=127.0.0.1) || fail "docker run $image failed"
q() { docker exec -i -e PGPASSWORD "$cid" psql -h 127.0.0.1 -p "$port" -U b2a -d b2a -X -Atq -v ON_ERROR_STOP=1 "$@"; }
bench_wait_ready PostgreSQL 120 q -c 'select 1'

q <<SQL || fail "generating the table failed"
CREATE UNLOGGED TABLE public.bench_wide (
    id integer PRIMARY KEY,
    big bigint,
    amount numeric(12,2),
    label text,
    ts timestamp,
    day date,
    uid uuid,
    flag boolean,
    ratio double precision);
INSERT INTO public.bench_wide
SELECT g, g::bigint * 1000003,
       CASE WHEN g % 10 = 3 THEN NULL ELSE ((g::bigint * 7919) % 100000000) / 100.0 END,
       'label ' || g || repeat('x', g % 24),
       timestamp '2000-01-01' + g * interval '1 second',
       date '1990-01-01' + (g % 20000), md5(g::text)::uuid, g % 3 = 0, g * 0.001
FROM generate_series(1, $rows) g;
ANALYZE public.bench_wide;
SQL
echo "table public.bench_wide: $rows rows; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
# the DSN holds the password: in the driver's environment, never on a command line
B2A_BENCH_DSN="postgresql://b2a:$PGPASSWORD@127.0.0.1:$port/b2a" B2A_LIBRARY=$lib \
    /usr/bin/python3 "$driver" public.bench_wide "$rows" "$rounds" "$splits" "$tmp"
