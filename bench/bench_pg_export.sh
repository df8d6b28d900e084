#!/bin/bash
# Benchmark of the PostgreSQL export paths (not a test).
#   bench_pg_export.sh [-b BUILD_DIR] [-n ROWS] [-r ROUNDS] [-o SCRATCH_DIR] [-e 'CMD'] [-S]
# Starts a throw-away bak2avro-test/postgres:15 container (host network,
# loopback, free port, random password), fills a table of ROWS rows
# (default 10,000,000) of mixed types, then in each round times
#   (a) the COPY statement bak2avro runs, (FORMAT binary) > /dev/null (psql)
#   (b) bare_odbc_fetch: plain psqlODBC block fetch of the ODBC path's SELECT
#   (c) export_table -v odbc: bak2avro's ODBC path -> Avro writer, default codec
#   (d) export_table -v copy: bak2avro's COPY path (a job's default) -> Avro
#       writer, with each codec (null, deflate, snappy)
#   (e) bench/jvm/JdbcToAvro.java: a pgjdbc ResultSet -> Avro GenericRecord
#       writer (the Sqoop/Spark JDBC way), default codec, SELECT * of the
#       table; only where javac, java and Debian's pgjdbc and Avro jars
#       (default-jdk-headless, libpostgresql-jdbc-java, libavro-java) are
#       installed, else skipped with a note
#   (f) `bak2avro export --dsn postgresql://...` of the table in one stream
#       (--splits 1 --parallel 1) and in two (--splits 2 --parallel 2: ctid
#       block ranges, one snapshot), the whole command timed, alternating
# and prints rows/s, the ratios to (a) and (b), peak RSS and client CPU
# seconds per million rows, each the median over the rounds, then
# machine-readable RESULT lines for the default codec. -S times (f) alone
# (RESULT pg split2/one_stream only). With -e, CMD runs instead of the rounds
# (sh -c, with B2A_BENCH_CONNSTR, B2A_BENCH_QUERY and B2A_BENCH_BIN set),
# for timing the programs with another tool. The container is removed at
# the end, also on failure or interrupt (after the step that is running).
set -uo pipefail

me=bench_pg_export.sh
here=$(cd "$(dirname "$0")" && pwd)
src_root=$(cd "$here/.." && pwd)
image=bak2avro-test/postgres:15
rows=10000000
rounds=1
scratch=/tmp
bindir=
external=

usage() { echo "usage: $me [-b BUILD_DIR] [-n ROWS] [-r ROUNDS] [-o SCRATCH_DIR] [-e 'CMD'] [-S]" >&2; exit 2; }
fail() { echo "$me: error: $*" >&2; exit 1; }

split_only=
while getopts b:n:r:o:e:Sh opt; do
    case $opt in
        b) bindir=$OPTARG/bench ;;
        n) rows=$OPTARG ;;
        r) rounds=$OPTARG ;;
        o) scratch=$OPTARG ;;
        e) external=$OPTARG ;;
        S) split_only=1 ;;
        *) usage ;;
    esac
done
case "$rows$rounds" in *[!0-9]*) usage ;; esac
[ "$rows" -ge 1 ] && [ "$rounds" -ge 1 ] || usage

# Meson copies this script next to the programs; from the source tree, give -b.
if [ -z "$bindir" ]; then
    if [ -x "$here/export_table" ]; then bindir=$here
    elif [ -n "${B2A_BUILD_ROOT:-}" ]; then bindir=$B2A_BUILD_ROOT/bench
    else usage
    fi
fi
for p in export_table bare_odbc_fetch; do
    [ -x "$bindir/$p" ] || fail "$bindir/$p not built (ninja -C BUILD_DIR)"
done
cli=$bindir/../src/cli/bak2avro
[ -x "$cli" ] || fail "$cli not built (ninja -C BUILD_DIR)"

. "$here/container.sh"
bench_need_image "$image" "$src_root"
bench_scratch "$scratch"
PGPASSWORD=$(bench_password)
export PGPASSWORD
port=$(bench_free_port) || fail "no free loopback port"
cid=$(POSTGRES_PASSWORD=$PGPASSWORD docker run -d --network host --label bak2avro.test=bench \
        -e POSTGRES_PASSWORD -e POSTGRES_USER=b2a -e POSTGRES_DB=b2a \
        "$image" -p "$port" -c listen_addresses=127.0.0.1) || fail "docker run $image failed"

# psql on the host when there is one (same loopback TCP path as ODBC), else in the container.
if command -v psql >/dev/null 2>&1; then
    q() { psql -h 127.0.0.1 -p "$port" -U b2a -d b2a -X -Atq -v ON_ERROR_STOP=1 "$@"; }
else
    q() { docker exec -i -e PGPASSWORD "$cid" psql -h 127.0.0.1 -p "$port" -U b2a -d b2a -X -Atq -v ON_ERROR_STOP=1 "$@"; }
fi
bench_wait_ready PostgreSQL 120 q -c 'select 1'

# (e) compiled here, where a JDK and the jars are installed.
jvm_cp= jvm_note=
jvm_src=$here/jvm/JdbcToAvro.java
[ -f "$jvm_src" ] || jvm_src=$here/JdbcToAvro.java   # the copy Meson puts next to the programs
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    jvm_note="no JDK (apt-get install default-jdk-headless)"
elif [ ! -f "$jvm_src" ]; then
    jvm_note="bench/jvm/JdbcToAvro.java not found"
else
    for j in postgresql avro jackson-core-asl jackson-mapper-asl snappy-java commons-compress slf4j-api xz; do
        [ -f "/usr/share/java/$j.jar" ] ||
            { jvm_note="/usr/share/java/$j.jar absent (apt-get install libpostgresql-jdbc-java libavro-java)"; break; }
        jvm_cp=$jvm_cp:/usr/share/java/$j.jar
    done
    if [ -z "$jvm_note" ]; then
        mkdir -p "$tmp/jvm" && javac -nowarn -cp "$jvm_cp" -d "$tmp/jvm" "$jvm_src" >&2 ||
            fail "compiling $jvm_src failed"
        jvm_cp=$tmp/jvm$jvm_cp
    else
        jvm_cp=
    fi
fi
[ -n "$jvm_note" ] && echo "$me: note: export/jvm_jdbc not measured: $jvm_note" >&2

now() { date +%s.%N; }
t0=$(now)
# One row in ten has NULLs in some columns; text of varying length.
q <<SQL || fail "generating the table failed"
CREATE UNLOGGED TABLE public.bench_mixed (
    id integer NOT NULL,
    big bigint,
    amount numeric(12,2),
    label text,
    ts timestamp,
    tstz timestamptz,
    day date,
    uid uuid,
    flag boolean,
    ratio double precision);
INSERT INTO public.bench_mixed
SELECT g,
       g::bigint * 1000003,
       CASE WHEN g % 10 = 3 THEN NULL ELSE ((g::bigint * 7919) % 100000000) / 100.0 END,
       'label ' || g || repeat('x', g % 24),
       timestamp '2000-01-01' + g * interval '1 second',
       CASE WHEN g % 10 = 5 THEN NULL ELSE timestamptz '2010-06-01 00:00+00' + g * interval '7 seconds' END,
       date '1990-01-01' + (g % 20000),
       md5(g::text)::uuid,
       g % 3 = 0,
       g * 0.001
FROM generate_series(1, $rows) g;
VACUUM (FREEZE, ANALYZE) public.bench_mixed;
SQL
gen_s=$(echo "$(now) - $t0" | bc)
size=$(q -c "select pg_size_pretty(pg_table_size('public.bench_mixed'))")
echo "generated $rows rows in ${gen_s}s (table $size)"

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=b2a PGDATABASE=b2a
export B2A_BENCH_CONNSTR="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$port;Database=b2a;UID=b2a;PWD=$PGPASSWORD;UseDeclareFetch=1;Fetch=10000;BoolsAsChar=0;ByteaAsLongVarBinary=1;sslmode=disable"
query=$("$bindir/export_table" -q public.bench_mixed) || fail "export_table -q failed"
copy_stmt=$("$bindir/export_table" -Q public.bench_mixed) || fail "export_table -Q failed"
echo "ODBC query: $query"
echo "COPY statement: $copy_stmt"
if [ -n "$external" ]; then
    B2A_BENCH_QUERY=$query B2A_BENCH_BIN=$bindir sh -c "$external"
    exit $?
fi

# key=value from a line
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

: >"$tmp/a" >"$tmp/b" >"$tmp/rss_b" >"$tmp/cpu_b" >"$tmp/c" >"$tmp/rss_c" >"$tmp/cpu_c" >"$tmp/e" >"$tmp/rss_e" >"$tmp/cpu_e" >"$tmp/f1" >"$tmp/f2"
dsn="postgresql://b2a:$PGPASSWORD@127.0.0.1:$port/b2a?sslmode=disable"
# (f): the whole command, one table in N streams; rows/s from the wall clock
split_run() { # streams
    local out=$tmp/split$1 t s
    rm -rf "$out"
    t=$(now)
    "$cli" export --dsn "$dsn" --include public.bench_mixed --splits "$1" --parallel "$1" -q -o "$out" ||
        fail "bak2avro export --splits $1 failed"
    s=$(echo "$(now) - $t" | bc)
    grep -q "\"rows_written\": $rows," "$out/job.json" || fail "bak2avro export --splits $1 did not write $rows rows"
    printf '  (f) bak2avro export, %s stream(s): %s s, %.0f rows/s, %s part file(s)\n' "$1" "$s" \
        "$(echo "$rows / $s" | bc -l)" "$(ls "$out/public/bench_mixed/"*.avro | wc -l)"
    echo "$rows / $s" | bc -l >>"$tmp/f$1"
    rm -rf "$out"
}
codecs="null deflate snappy"
for codec in $codecs; do : >"$tmp/d_$codec" >"$tmp/rss_$codec" >"$tmp/cpu_$codec"; done
default_codec=$("$bindir/export_table" -d) || fail "export_table -d failed"
for r in $(seq "$rounds"); do
    echo "round $r of $rounds"
    if [ -n "$split_only" ]; then
        if [ $((r % 2)) = 1 ]; then split_run 1; split_run 2; else split_run 2; split_run 1; fi
        continue
    fi
    t=$(now)
    q -c "$copy_stmt" >/dev/null || fail "COPY failed"
    s=$(echo "$(now) - $t" | bc)
    printf '  (a) COPY binary to /dev/null: %s s, %.0f rows/s\n' "$s" "$(echo "$rows / $s" | bc -l)"
    echo "$rows / $s" | bc -l >>"$tmp/a"

    line=$("$bindir/bare_odbc_fetch" "$query") || fail "bare_odbc_fetch failed"
    echo "  (b) $line"
    [ "$(kv rows "$line")" = "$rows" ] || fail "bare fetch counted $(kv rows "$line") rows, not $rows"
    kv rows_per_s "$line" >>"$tmp/b"; kv peak_rss_mb "$line" >>"$tmp/rss_b"; kv cpu_s "$line" >>"$tmp/cpu_b"

    line=$("$bindir/export_table" -v odbc -c "$default_codec" -o "$tmp" public.bench_mixed) ||
        fail "export_table -v odbc failed"
    echo "  (c) $line"
    [ "$(kv rows "$line")" = "$rows" ] || fail "export wrote $(kv rows "$line") rows, not $rows"
    kv rows_per_s "$line" >>"$tmp/c"; kv peak_rss_mb "$line" >>"$tmp/rss_c"; kv cpu_s "$line" >>"$tmp/cpu_c"

    for codec in $codecs; do
        line=$("$bindir/export_table" -v copy -c "$codec" -o "$tmp" public.bench_mixed) ||
            fail "export_table -v copy -c $codec failed"
        echo "  (d) $line"
        [ "$(kv rows "$line")" = "$rows" ] || fail "export wrote $(kv rows "$line") rows, not $rows"
        kv rows_per_s "$line" >>"$tmp/d_$codec"; kv peak_rss_mb "$line" >>"$tmp/rss_$codec"
        kv cpu_s "$line" >>"$tmp/cpu_$codec"
    done

    if [ -n "$jvm_cp" ]; then
        line=$(java -cp "$jvm_cp" JdbcToAvro "$default_codec" "$tmp/jvm.avro" "SELECT * FROM public.bench_mixed") ||
            fail "JdbcToAvro failed"
        echo "  (e) $line"
        [ "$(kv rows "$line")" = "$rows" ] || fail "the JVM writer wrote $(kv rows "$line") rows, not $rows"
        kv rows_per_s "$line" >>"$tmp/e"; kv peak_rss_mb "$line" >>"$tmp/rss_e"; kv cpu_s "$line" >>"$tmp/cpu_e"
    fi
    # alternate which goes first, so neither always meets a warmer cache
    if [ $((r % 2)) = 1 ]; then split_run 1; split_run 2; else split_run 2; split_run 1; fi
done

if [ -n "$split_only" ]; then
    f1=$(median <"$tmp/f1"); f2=$(median <"$tmp/f2")
    echo
    echo "summary: $rows rows, medians of $rounds round(s)"
    printf '  (f) bak2avro export, 1 stream           %12.0f rows/s\n' "$f1"
    printf '  (f) bak2avro export, 2 streams (ctid)   %12.0f rows/s  /1 stream %.3f (target >= 1.3)\n' "$f2" \
        "$(echo "$f2 / $f1" | bc -l)"
    printf 'RESULT pg split2/one_stream %.3f\n' "$(echo "$f2 / $f1" | bc -l)"
    exit 0
fi
a=$(median <"$tmp/a"); b=$(median <"$tmp/b"); rb=$(median <"$tmp/rss_b"); ub=$(median <"$tmp/cpu_b")
echo
echo "summary: $rows rows, medians of $rounds round(s); client CPU = the program's own CPU seconds (all threads)"
printf '  (a) COPY (FORMAT binary) > /dev/null   %12.0f rows/s\n' "$a"
printf '  (b) bare ODBC block fetch (psqlODBC)   %12.0f rows/s  peak RSS %5s MB  client CPU %.2f s/M rows\n' \
    "$b" "$rb" "$(echo "$ub * 1000000 / $rows" | bc -l)"
line() { # label, file stem
    local label=$1 f=$2 c rss u
    c=$(median <"$tmp/$f"); rss=$(median <"$tmp/rss_${f#d_}"); u=$(median <"$tmp/cpu_${f#d_}")
    printf '  %-42s %12.0f rows/s  peak RSS %5s MB  client CPU %.2f s/M rows  /(a) %.3f  /(b) %.3f\n' \
        "$label" "$c" "$rss" "$(echo "$u * 1000000 / $rows" | bc -l)" "$(echo "$c / $a" | bc -l)" \
        "$(echo "$c / $b" | bc -l)"
}
line "(c) ODBC path, $default_codec (default)" c
line "(d) COPY path, $default_codec (default)" "d_$default_codec"
for codec in $codecs; do line "(d) COPY path, $codec" "d_$codec"; done
d=$(median <"$tmp/d_$default_codec"); rd=$(median <"$tmp/rss_$default_codec")
if [ -n "$jvm_cp" ]; then
    e=$(median <"$tmp/e")
    printf '  (e) JVM pgjdbc -> Avro GenericRecord   %12.0f rows/s  peak RSS %5s MB  client CPU %.2f s/M rows  (d)/(e) %.3f\n' \
        "$e" "$(median <"$tmp/rss_e")" "$(echo "$(median <"$tmp/cpu_e") * 1000000 / $rows" | bc -l)" "$(echo "$d / $e" | bc -l)"
fi
f1=$(median <"$tmp/f1"); f2=$(median <"$tmp/f2")
printf '  (f) bak2avro export, 1 stream           %12.0f rows/s\n' "$f1"
printf '  (f) bak2avro export, 2 streams (ctid)   %12.0f rows/s  /1 stream %.3f\n' "$f2" "$(echo "$f2 / $f1" | bc -l)"
echo "  targets: (d)/(a) >= 0.8; (d)/(e) >= 3; peak RSS of (d) <= 64 MB; (f) 2 streams / 1 >= 1.3"
[ -n "$jvm_note" ] && echo "  not measured here: export/jvm_jdbc ($jvm_note)"
printf 'RESULT pg export/copy_binary %.3f\n' "$(echo "$d / $a" | bc -l)"
printf 'RESULT pg export/bare_odbc %.3f\n' "$(echo "$d / $b" | bc -l)"
[ -n "$jvm_cp" ] && printf 'RESULT pg export/jvm_jdbc %.3f\n' "$(echo "$d / $e" | bc -l)"
printf 'RESULT pg split2/one_stream %.3f\n' "$(echo "$f2 / $f1" | bc -l)"
printf 'RESULT pg peak_rss_mb %s\n' "$rd"
