#!/bin/bash
# Same contract as the official postgres image's entrypoint, written small.
set -Eeuo pipefail

log() { echo "docker-entrypoint: $*" >&2; }

# "-p 5433 -c listen_addresses=127.0.0.1" means: run postgres with these args.
if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
    exec "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=}"
export POSTGRES_USER POSTGRES_DB PGDATA

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    # Drop root for everything below (setpriv is in util-linux, no gosu needed).
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        log "error: database is uninitialized and POSTGRES_PASSWORD is not set."
        log "       Set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow"
        log "       connections without a password (never do that outside tests)."
        exit 1
    fi
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
        --auth-host="$auth" --encoding=UTF8 --locale=C.UTF-8 \
        ${POSTGRES_INITDB_ARGS:-} >/dev/null
    rm -f "$pwfile"
    { echo; echo "host all all all $auth"; } >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"

    # Temporary server on the Unix socket only, for setup and initdb.d.
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p 5432" start >/dev/null
    psql_run=(psql -v ON_ERROR_STOP=1 --no-psqlrc -q -p 5432 --username "$POSTGRES_USER" --dbname postgres)
    if [ "$POSTGRES_DB" != postgres ]; then
        "${psql_run[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    psql_run[${#psql_run[@]}-1]=$POSTGRES_DB
    # A directory we cannot list would otherwise be skipped without a word.
    if [ -d /docker-entrypoint-initdb.d ] &&
        { ! [ -r /docker-entrypoint-initdb.d ] || ! [ -x /docker-entrypoint-initdb.d ]; }; then
        log "warning: /docker-entrypoint-initdb.d is not readable by $(id -un); its scripts are skipped"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)     log "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
            *.sql)    log "running $f"; "${psql_run[@]}" -f "$f" ;;
            *.sql.gz) log "running $f"; gzip -dc "$f" | "${psql_run[@]}" ;;
            *)        log "ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    log "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
