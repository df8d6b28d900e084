#!/bin/bash
# Benchmark of the MariaDB/MySQL export paths (not a test).
#   bench_mysql_export.sh [-b BUILD_DIR] [-n ROWS] [-r ROUNDS] [-o SCRATCH_DIR] [-e 'CMD']
# Starts a throw-away bak2avro-test/mariadb:10.11 container (host network,
# loopback, free port, random password, a buffer pool that holds the table),
# fills a table of ROWS rows (default 10,000,000) with the mixed columns of
# bench_pg_export.sh's table (id the primary key, so the ODBC path pages on
# it and the table is never altered), then in each round times
#   (a) mariadb --quick -e 'SELECT ...' > /dev/null: the client streaming the
#       native path's SELECT (mysql_use_result, text protocol), its session
#       set up as the exporter's (utf8mb4, UTC)
#   (b) export_table -m mysql -v odbc: bak2avro's ODBC path (Connector/ODBC,
#       keyset pages) -> Avro writer, default codec
#   (c) export_table -m mysql: bak2avro's native path (a job's default:
#       libmariadb, binary protocol, unbuffered) -> Avro writer, with each
#       codec (null, deflate, snappy)
# and prints rows/s, the ratios to (a), peak RSS and client CPU seconds per
# million rows, each the median over the rounds, then machine-readable
# RESULT lines for the default codec. With -e, CMD runs instead of the
# rounds (sh -c, with B2A_BENCH_CONNSTR, B2A_BENCH_QUERY, B2A_BENCH_BIN and
# the MYSQL_* variables set), for timing the programs with another tool
# such as farm-bench. The container is removed at the end, also on failure
# or interrupt (after the step that is running).
set -uo pipefail

me=bench_mysql_export.sh
here=$(cd "$(dirname "$0")" && pwd)
src_root=$(cd "$here/.." && pwd)
image=bak2avro-test/mariadb:10.11
rows=10000000
rounds=1
scratch=/tmp
bindir=
external=

usage() { echo "usage: $me [-b BUILD_DIR] [-n ROWS] [-r ROUNDS] [-o SCRATCH_DIR] [-e 'CMD']" >&2; exit 2; }
fail() { echo "$me: error: $*" >&2; exit 1; }

while getopts b:n:r:o:e:h opt; do
    case $opt in
        b) bindir=$OPTARG/bench ;;
        n) rows=$OPTARG ;;
        r) rounds=$OPTARG ;;
        o) scratch=$OPTARG ;;
        e) external=$OPTARG ;;
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
[ -x "$bindir/export_table" ] || fail "$bindir/export_table not built (ninja -C BUILD_DIR)"

. "$here/container.sh"
bench_need_image "$image" "$src_root"
bench_scratch "$scratch"
MYSQL_PWD=$(bench_password)
export MYSQL_PWD
port=$(bench_free_port) || fail "no free loopback port"
cid=$(MARIADB_ROOT_PASSWORD=$MYSQL_PWD docker run -d --network host --label bak2avro.test=bench \
        -e MARIADB_ROOT_PASSWORD -e MARIADB_DATABASE=b2a \
        "$image" --port="$port" --bind-address=127.0.0.1 --innodb-buffer-pool-size=3G \
        --innodb-flush-log-at-trx-commit=0 --innodb-log-file-size=1G) || fail "docker run $image failed"

# (a)'s session is set up as the exporter's (src/mysql/conn.c): utf8mb4, UTC.
init="SET time_zone = '+00:00'"
session=(--default-character-set=utf8mb4 "--init-command=$init")
# The client on the host when there is one (the same loopback TCP path as
# the exporter), else in the container; output to /dev/null where it runs.
if command -v mariadb >/dev/null 2>&1; then
    client_where=host
    q() { mariadb -h 127.0.0.1 -P "$port" -u root -N -B "$@" b2a; }
    stream() { mariadb -h 127.0.0.1 -P "$port" -u root "${session[@]}" --quick -e "$1" b2a >/dev/null; }
else
    client_where=container
    q() { docker exec -i -e MYSQL_PWD "$cid" mariadb -h 127.0.0.1 -P "$port" -u root -N -B "$@" b2a; }
    stream() {
        docker exec -e MYSQL_PWD -e Q="$1" "$cid" sh -c \
            "mariadb -h 127.0.0.1 -P $port -u root --default-character-set=utf8mb4 --init-command=\"$init\" --quick -e \"\$Q\" b2a >/dev/null"
    }
fi
bench_wait_ready MariaDB 240 q -e 'select 1'

now() { date +%s.%N; }
t0=$(now)
# One row in ten has NULLs in some columns; text of varying length; the
# types of bench_pg_export.sh's table in MariaDB's words (uid: an md5 made a
# version-4 UUID, which MariaDB's UUID type checks).
q <<SQL || fail "generating the table failed"
CREATE TABLE b2a.bench_mixed (
    id int NOT NULL PRIMARY KEY,
    big bigint,
    amount decimal(12,2),
    label text,
    ts datetime(6),
    tstz timestamp(6) NULL,
    day date,
    uid uuid,
    flag boolean,
    ratio double);
INSERT INTO b2a.bench_mixed
SELECT seq,
       seq * 1000003,
       IF(seq % 10 = 3, NULL, ((seq * 7919) % 100000000) / 100.0),
       CONCAT('label ', seq, REPEAT('x', seq % 24)),
       TIMESTAMP '2000-01-01 00:00:00' + INTERVAL seq SECOND,
       IF(seq % 10 = 5, NULL, TIMESTAMP '2010-06-01 00:00:00' + INTERVAL seq * 7 SECOND),
       DATE '1990-01-01' + INTERVAL (seq % 20000) DAY,
       CONCAT(LEFT(MD5(seq), 12), '4', SUBSTR(MD5(seq), 14, 3), '8', SUBSTR(MD5(seq), 18)),
       seq % 3 = 0,
       seq * 0.001
FROM seq_1_to_$rows;
ANALYZE TABLE b2a.bench_mixed;
SQL
gen_s=$(echo "$(now) - $t0" | bc)
size=$(q -e "SELECT CONCAT(ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576), ' MB') FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = 'b2a' AND TABLE_NAME = 'bench_mixed'")
echo "generated $rows rows in ${gen_s}s (table $size; mariadb client on the $client_where)"

export MYSQL_HOST=127.0.0.1 MYSQL_TCP_PORT=$port MYSQL_USER=root MYSQL_DATABASE=b2a
export B2A_BENCH_CONNSTR="Driver={MariaDB Unicode};Server=127.0.0.1;Port=$port;Database=b2a;UID=root;PWD=$MYSQL_PWD;NO_CACHE=1;FORWARDONLY=1;CHARSET=utf8mb4;NO_PROMPT=1"
select=$("$bindir/export_table" -m mysql -Q b2a.bench_mixed) || fail "export_table -Q failed"
echo "native SELECT: $select"
if [ -n "$external" ]; then
    B2A_BENCH_QUERY=$select B2A_BENCH_BIN=$bindir sh -c "$external"
    exit $?
fi

# key=value from a line
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

: >"$tmp/a" >"$tmp/b" >"$tmp/rss_b" >"$tmp/cpu_b"
codecs="null deflate snappy"
for codec in $codecs; do : >"$tmp/c_$codec" >"$tmp/rss_$codec" >"$tmp/cpu_$codec"; done
default_codec=$("$bindir/export_table" -d) || fail "export_table -d failed"
for r in $(seq "$rounds"); do
    echo "round $r of $rounds"
    t=$(now)
    stream "$select" || fail "mariadb --quick failed"
    s=$(echo "$(now) - $t" | bc)
    printf '  (a) mariadb --quick to /dev/null: %s s, %.0f rows/s\n' "$s" "$(echo "$rows / $s" | bc -l)"
    echo "$rows / $s" | bc -l >>"$tmp/a"

    line=$("$bindir/export_table" -m mysql -v odbc -c "$default_codec" -o "$tmp" b2a.bench_mixed) ||
        fail "export_table -v odbc failed"
    echo "  (b) $line"
    [ "$(kv rows "$line")" = "$rows" ] || fail "export wrote $(kv rows "$line") rows, not $rows"
    kv rows_per_s "$line" >>"$tmp/b"; kv peak_rss_mb "$line" >>"$tmp/rss_b"; kv cpu_s "$line" >>"$tmp/cpu_b"

    for codec in $codecs; do
        line=$("$bindir/export_table" -m mysql -c "$codec" -o "$tmp" b2a.bench_mixed) ||
            fail "export_table -m mysql -c $codec failed"
        echo "  (c) $line"
        [ "$(kv rows "$line")" = "$rows" ] || fail "export wrote $(kv rows "$line") rows, not $rows"
        kv rows_per_s "$line" >>"$tmp/c_$codec"; kv peak_rss_mb "$line" >>"$tmp/rss_$codec"
        kv cpu_s "$line" >>"$tmp/cpu_$codec"
    done
done

a=$(median <"$tmp/a")
echo
echo "summary: $rows rows, medians of $rounds round(s); client CPU = the program's own CPU seconds (all threads)"
printf '  (a) mariadb --quick > /dev/null        %12.0f rows/s\n' "$a"
line() { # label, rows/s file, rss/cpu stem
    local label=$1 c rss u
    c=$(median <"$tmp/$2"); rss=$(median <"$tmp/rss_$3"); u=$(median <"$tmp/cpu_$3")
    printf '  %-42s %12.0f rows/s  peak RSS %5s MB  client CPU %.2f s/M rows  /(a) %.3f\n' \
        "$label" "$c" "$rss" "$(echo "$u * 1000000 / $rows" | bc -l)" "$(echo "$c / $a" | bc -l)"
}
line "(b) ODBC path, $default_codec (default)" b b
line "(c) native path, $default_codec (default)" "c_$default_codec" "$default_codec"
for codec in $codecs; do line "(c) native path, $codec" "c_$codec" "$codec"; done
c=$(median <"$tmp/c_$default_codec"); rc=$(median <"$tmp/rss_$default_codec")
echo "  targets: (c)/(a) >= 0.8; peak RSS of (c) <= 64 MB"
printf 'RESULT mysql export/client_stream %.3f\n' "$(echo "$c / $a" | bc -l)"
printf 'RESULT mysql peak_rss_mb %s\n' "$rc"
