#!/bin/bash
# Test fixture, run inside with-db.sh mariadb: restore every MySQL/MariaDB
# sample script (Sakila, and Chinook's MySQL install script from truth/)
# into that container, then run CMD with B2A_TEST_MY_DATABASES="db1 db2 ..."
# (the databases the scripts create).
#   my-samples.sh -- CMD [ARGS...]
# Exits 77 (meson's "skipped") when $B2A_SAMPLES/mysql is absent.
set -uo pipefail

me=my-samples.sh
[ "${1:-}" = -- ] && [ $# -ge 2 ] || { echo "usage: $me -- CMD [ARGS...]" >&2; exit 2; }
shift
samples=${B2A_SAMPLES:-}
if [ -z "$samples" ] || [ ! -d "$samples/mysql" ]; then
    echo "$me: SKIP: samples folder '$samples' has no mysql/ (set B2A_SAMPLES)" >&2
    exit 77
fi
: "${B2A_TEST_DB_CONTAINER:?run me under with-db.sh mariadb}"

# In the container, as with-db.sh's user; the password through the environment only.
restore() { # db, then the scripts
    local db=$1; shift
    if ! cat "$@" | MYSQL_PWD=$B2A_TEST_DB_PASSWORD docker exec -i -e MYSQL_PWD "$B2A_TEST_DB_CONTAINER" \
            mariadb -h 127.0.0.1 -P "$B2A_TEST_DB_PORT" -u "$B2A_TEST_DB_USER" >"/tmp/$me.$$" 2>&1; then
        echo "$me: $db: restore failed (last lines):" >&2
        tail -n 3 "/tmp/$me.$$" >&2
        rm -f "/tmp/$me.$$"
        exit 1
    fi
    rm -f "/tmp/$me.$$"
    dbs="$dbs $db"
    echo "$me: restored $db" >&2
}
dbs=
restore sakila "$samples/mysql/sakila-schema.sql" "$samples/mysql/sakila-data.sql"
[ -f "$samples/truth/Chinook_MySql.sql" ] && restore Chinook "$samples/truth/Chinook_MySql.sql"

export B2A_TEST_MY_DATABASES=${dbs# }
"$@"
