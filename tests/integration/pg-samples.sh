#!/bin/bash
# Test fixture, run inside with-db.sh postgres: restore every PostgreSQL
# sample backup into a database of its own in that container, then run
# CMD with B2A_TEST_PG_DATABASES="db1 db2 ..." (the ones restored).
#   pg-samples.sh -- CMD [ARGS...]
# Exits 77 (meson's "skipped") when $B2A_SAMPLES/postgresql is absent.
set -uo pipefail

me=pg-samples.sh
[ "${1:-}" = -- ] && [ $# -ge 2 ] || { echo "usage: $me -- CMD [ARGS...]" >&2; exit 2; }
shift
samples=${B2A_SAMPLES:-}/postgresql
if [ -z "${B2A_SAMPLES:-}" ] || [ ! -d "$samples" ]; then
    echo "$me: SKIP: samples folder '${B2A_SAMPLES:-}' has no postgresql/ (set B2A_SAMPLES)" >&2
    exit 77
fi
: "${B2A_TEST_DB_CONTAINER:?run me under with-db.sh postgres}"

# In the container, as with-db.sh's user; the password through the environment only.
in_db() { PGPASSWORD=$B2A_TEST_DB_PASSWORD docker exec -i -e PGPASSWORD "$B2A_TEST_DB_CONTAINER" "$@"; }
conn=(-h 127.0.0.1 -p "$B2A_TEST_DB_PORT" -U "$B2A_TEST_DB_USER")
sql() { in_db psql "${conn[@]}" -d "$B2A_TEST_DB_NAME" -X -q -v ON_ERROR_STOP=1 -c "$1" </dev/null; }

dbs=
restore() { # db, then the command reading the backup
    local db=$1; shift
    sql "CREATE DATABASE $db" || exit 1
    # Role and ACL errors (owners that do not exist here) are expected; the
    # test checks that each database holds rows.
    if ! "$@" >"/tmp/$me.$$" 2>&1; then
        echo "$me: $db: restore reported errors (last lines):" >&2
        tail -n 3 "/tmp/$me.$$" >&2
    fi
    rm -f "/tmp/$me.$$"
    dbs="$dbs $db"
    echo "$me: restored $db" >&2
}
archive() { # db, file: custom or tar, read from stdin
    restore "$1" in_db pg_restore "${conn[@]}" -d "$1" --no-owner --no-privileges <"$samples/$2"
}

archive s_chinook_custom chinook_pg15_custom.dump
archive s_chinook_custom_z0 chinook_pg15_custom_uncompressed.dump
archive s_chinook_tar chinook_pg15_tar.tar
archive s_dvdrental dvdrental_pg11_tar-format.tar
archive s_pagila pagila_pg9.4_custom-format.backup
archive s_northwind northwind_pg10_custom-format.backup
docker cp "$samples/chinook_pg15_directory" "$B2A_TEST_DB_CONTAINER:/tmp/chinook_dir" >/dev/null || exit 1
restore s_chinook_dir in_db pg_restore "${conn[@]}" -d s_chinook_dir --no-owner --no-privileges /tmp/chinook_dir
# Plain SQL from pg_dump 17: a 15 server rejects its SET transaction_timeout, nothing else.
restore s_pagila_plain sh -c "cat '$samples/pagila-schema.sql' '$samples/pagila-data.sql' |
    PGPASSWORD=\$B2A_TEST_DB_PASSWORD docker exec -i -e PGPASSWORD '$B2A_TEST_DB_CONTAINER' \
    psql -h 127.0.0.1 -p '$B2A_TEST_DB_PORT' -U '$B2A_TEST_DB_USER' -d s_pagila_plain -X -q"

export B2A_TEST_PG_DATABASES=${dbs# }
"$@"
