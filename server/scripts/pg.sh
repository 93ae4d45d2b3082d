#!/usr/bin/env bash
# pg.sh: a private PostgreSQL cluster in a directory, reachable only through
# a UNIX socket in that directory (no TCP port).
#
#   pg.sh start DIR   create the cluster when missing, start it, create the
#                     database "mognad"; prints its DATABASE_URL
#   pg.sh stop DIR    stop it (fast shutdown)
#   pg.sh url DIR     print the DATABASE_URL
#
# As root the cluster runs as the unprivileged "postgres" user (PostgreSQL
# refuses to run as root); otherwise as the calling user.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

pg_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
    done
    die "PostgreSQL server binaries not found (apt-get install postgresql-15)"
}

[ $# -eq 2 ] || die "usage: pg.sh start|stop|url DIR"
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
data="$dir/data"
bin=$(pg_bin)

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() { echo "postgresql:///mognad?host=$dir&user=mognad"; }

case "$cmd" in
start)
    [ ${#dir} -lt 90 ] || die "$dir is too deep for a UNIX socket path; use a shorter checkout path"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (apt-get install postgresql-15)"
        chown postgres: "$dir"
        runuser -u postgres -- test -w "$dir" ||
            die "user 'postgres' cannot reach $dir: a parent directory is not searchable by others (try a checkout outside /root)"
    fi
    chmod 0700 "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$data" -U mognad -A trust -E UTF8 --locale=C.UTF-8 -N >"$dir/initdb.log" 2>&1 ||
            die "initdb failed; see $dir/initdb.log"
        cat >>"$data/postgresql.conf" <<CONF
# mognad: private cluster, UNIX socket only
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = 128MB
logging_collector = off
CONF
        if [ "${MOGNAD_PG_FAST:-0}" = 1 ]; then
            # Throwaway test clusters: durability is not needed.
            printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$data/postgresql.conf"
        fi
    fi
    if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
            die "PostgreSQL did not start; see $dir/postgres.log"
    fi
    if ! "$bin/psql" -h "$dir" -U mognad -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'mognad'" | grep -q 1; then
        "$bin/createdb" -h "$dir" -U mognad mognad
    fi
    url
    ;;
stop)
    if [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
url)
    url
    ;;
*)
    die "unknown command '$cmd' (start, stop or url)"
    ;;
esac
