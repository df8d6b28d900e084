#!/bin/bash
# Same contract as the official mariadb image's entrypoint, written small.
set -Eeuo pipefail

log() { echo "docker-entrypoint: $*" >&2; }

# "--port=3307 --bind-address=127.0.0.1" means: run mariadbd with these args.
if [ "${1:0:1}" = '-' ]; then
    set -- mariadbd "$@"
fi
case "$1" in mariadbd|mysqld) ;; *) exec "$@" ;; esac

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" /run/mysqld
    chown mysql:mysql "$DATADIR" /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

# MYSQL_* are the older names of the same settings.
: "${MARIADB_ROOT_PASSWORD:=${MYSQL_ROOT_PASSWORD:-}}"
: "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:=${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
: "${MARIADB_RANDOM_ROOT_PASSWORD:=${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
: "${MARIADB_DATABASE:=${MYSQL_DATABASE:-}}"
: "${MARIADB_USER:=${MYSQL_USER:-}}"
: "${MARIADB_PASSWORD:=${MYSQL_PASSWORD:-}}"
: "${MARIADB_ROOT_HOST:=${MYSQL_ROOT_HOST:-%}}"

# Quote a value as an SQL string literal.
sqlq() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
# Quote an identifier.
sqli() { printf '`%s`' "${1//\`/\`\`}"; }

if [ ! -d "$DATADIR/mysql" ]; then
    if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] \
        && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
        log "error: database is uninitialized and password option is not specified"
        log "       You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
        exit 1
    fi
    if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
        MARIADB_ROOT_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
        log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
    fi
    log "initializing database files"
    if ! mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >/tmp/install-db.log 2>&1; then
        cat /tmp/install-db.log >&2
        log "error: mariadb-install-db failed"
        exit 1
    fi

    # Temporary server without networking for setup and initdb.d.
    mariadbd --skip-networking --socket="$SOCKET" --datadir="$DATADIR" &
    pid=$!
    for i in $(seq 60); do
        mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { log "error: temporary server died"; exit 1; }
        sleep 0.5
    done
    [ "$i" -lt 60 ] || { log "error: temporary server did not start"; exit 1; }

    rootpw=$(sqlq "$MARIADB_ROOT_PASSWORD")
    {
        echo "SET @@SESSION.SQL_LOG_BIN=0;"
        # install-db also made password-less root@127.0.0.1/::1/<hostname>,
        # which would win over root@'%' for TCP clients.
        echo "DELETE FROM mysql.global_priv WHERE User = '';"
        echo "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@$(sqlq "$(cat /proc/sys/kernel/hostname)");"
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $rootpw;"
        if [ "$MARIADB_ROOT_HOST" != localhost ]; then
            echo "CREATE USER 'root'@$(sqlq "$MARIADB_ROOT_HOST") IDENTIFIED BY $rootpw;"
            echo "GRANT ALL ON *.* TO 'root'@$(sqlq "$MARIADB_ROOT_HOST") WITH GRANT OPTION;"
        fi
        if [ -n "$MARIADB_DATABASE" ]; then
            echo "CREATE DATABASE IF NOT EXISTS $(sqli "$MARIADB_DATABASE");"
        fi
        if [ -n "$MARIADB_USER" ] && [ -n "$MARIADB_PASSWORD" ]; then
            echo "CREATE USER $(sqlq "$MARIADB_USER")@'%' IDENTIFIED BY $(sqlq "$MARIADB_PASSWORD");"
            if [ -n "$MARIADB_DATABASE" ]; then
                echo "GRANT ALL ON $(sqli "$MARIADB_DATABASE").* TO $(sqlq "$MARIADB_USER")@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | mariadb --socket="$SOCKET" -uroot --binary-mode

    export MYSQL_PWD=$MARIADB_ROOT_PASSWORD
    client=(mariadb --socket="$SOCKET" -uroot)
    [ -z "$MARIADB_DATABASE" ] || client+=("$MARIADB_DATABASE")
    # A directory we cannot list would otherwise be skipped without a word.
    if [ -d /docker-entrypoint-initdb.d ] &&
        { ! [ -r /docker-entrypoint-initdb.d ] || ! [ -x /docker-entrypoint-initdb.d ]; }; then
        log "warning: /docker-entrypoint-initdb.d is not readable by $(id -un); its scripts are skipped"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)     log "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
            *.sql)    log "running $f"; "${client[@]}" < "$f" ;;
            *.sql.gz) log "running $f"; gzip -dc "$f" | "${client[@]}" ;;
            *)        log "ignoring $f" ;;
        esac
    done
    mariadb-admin --socket="$SOCKET" -uroot shutdown
    wait "$pid" || true
    unset MYSQL_PWD
    log "MariaDB init process done. Ready for start up."
fi

exec "$@"
