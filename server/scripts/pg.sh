#!/usr/bin/env bash
# pg.sh: a private PostgreSQL cluster in a directory, reachable only through
# a UNIX socket in that directory (no TCP port).
#
#   pg.sh start DIR   create the cluster when missing, start it, create the
#                     database "mognad"; prints its DATABASE_URL
#   pg.sh stop DIR    stop it (fast shutdown)
#   pg.sh url DIR     print the DATABASE_URL
#   pg.sh where DIR   print the directory the cluster lives in
#   pg.sh remove DIR  stop it and delete its data (and the link to it)
#   pg.sh standby DIR PRIMARY_DIR
#                     a hot standby streaming from the cluster in
#                     PRIMARY_DIR (pg_basebackup when missing), started;
#                     prints its URL (for MOGNAD_DATABASE_URL_RO)
#
# As root the cluster runs as the unprivileged "postgres" user (PostgreSQL
# refuses to run as root); otherwise as the calling user. When that user
# cannot reach DIR (a checkout under /root, under a home directory of mode
# 700 or in a `mktemp -d` directory), the cluster lives in the postgres
# user's home instead, in a directory named after DIR's parent and tied to
# it (its path and inode), and DIR becomes a symbolic link to it: a second
# start finds it again, two checkouts never share one, and no permission of
# the caller's directories is changed. `pg.sh remove DIR` deletes both.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

pg_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
    done
    die "PostgreSQL server binaries not found (apt-get install postgresql-15)"
}

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = standby ]; } ||
    die "usage: pg.sh start|stop|url|where|remove DIR, or pg.sh standby DIR PRIMARY_DIR"
cmd=$1
req=${2%/}

# Can the user the cluster runs as reach (search) directory $1?
reachable() {
    [ "$(id -u)" -ne 0 ] || (cd / && runuser -u postgres -- test -x "$1" -a -w "$1")
}

# The cluster's directory for the requested path: the path itself when the
# cluster's user can reach it, else a directory in the postgres user's home
# with the requested path as a link to it.
locate() {
    if [ -L "$req" ]; then
        local target
        target=$(readlink -f "$req") || die "cannot follow the link $req"
        # Its directory was deleted by hand: start anew there.
        case "$cmd" in start | standby) mkdir -p "$target" ;; esac
        echo "$target"
        return
    fi
    case "$cmd" in start | standby) ;; *)
        [ -d "$req" ] && (cd "$req" && pwd -P) || echo "$req"
        return ;;
    esac
    local parent
    parent=$(dirname "$req")
    mkdir -p "$parent"
    parent=$(cd "$parent" && pwd -P)
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (apt-get install postgresql-15)"
        if (cd / && runuser -u postgres -- test -x "$parent"); then
            mkdir -p "$req" && (cd "$req" && pwd -P)
            return
        fi
        # A directory left by an earlier start that stopped here: empty of data.
        if [ -d "$req" ]; then
            [ -f "$req/data/PG_VERSION" ] &&
                die "user 'postgres' cannot reach $req, which holds a cluster (move it where postgres can reach it)"
            rm -rf "$req"
        fi
        local home tag ext
        home=$(getent passwd postgres | cut -d: -f6)
        [ -n "$home" ] && [ -d "$home" ] || die "the postgres user has no home directory to keep the cluster in"
        tag=$(printf '%s %s' "$parent/$(basename "$req")" "$(stat -c %d:%i "$parent")" | sha256sum | cut -c1-12)
        ext="$home/mognad/$(basename "$(dirname "$parent")" | tr -c 'A-Za-z0-9_.\n-' _ | cut -c1-24)-$(basename "$req" | tr -c 'A-Za-z0-9_.\n-' _ | cut -c1-16)-$tag"
        mkdir -p "$home/mognad" "$ext"
        chmod 0755 "$home/mognad"
        printf '%s\n' "$parent/$(basename "$req")" >"$ext.owner"
        ln -s "$ext" "$req"
        echo "$ext"
    else
        mkdir -p "$req" && (cd "$req" && pwd -P)
    fi
}

dir=$(locate)
data="$dir/data"
bin=$(pg_bin)

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # From /, which postgres can enter (the caller's directory maybe not).
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

url() { echo "postgresql:///mognad?host=$dir&user=mognad"; }

# The cluster's directory, owned by the user the server runs as.
prepare_dir() {
    [ ${#dir} -lt 90 ] || die "$dir is too deep for a UNIX socket path; use a shorter checkout path"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
        reachable "$dir" || die "user 'postgres' cannot reach $dir"
    fi
    chmod 0700 "$dir"
}

start_cluster() {
    if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
            die "PostgreSQL did not start; see $dir/postgres.log"
    fi
}

case "$cmd" in
start)
    prepare_dir
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
    start_cluster
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
where)
    echo "$dir"
    ;;
remove)
    if [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    if [ -L "$req" ]; then
        rm -rf "$dir" "$dir.owner"
        rm -f "$req"
    else
        rm -rf "$req"
    fi
    ;;
standby)
    primary=$(cd "$3" && pwd -P)
    [ -S "$primary/.s.PGSQL.5432" ] || die "no PostgreSQL is running in $primary (pg.sh start $primary)"
    prepare_dir
    if [ ! -f "$data/PG_VERSION" ]; then
        # -R writes primary_conninfo and standby.signal; -X stream copies
        # the WAL written during the copy. The primary's pg_hba.conf from
        # initdb already lets local replication connections in.
        as_owner "$bin/pg_basebackup" -h "$primary" -U mognad -D "$data" -R -X stream -c fast \
            >"$dir/basebackup.log" 2>&1 || die "pg_basebackup failed; see $dir/basebackup.log"
        cat >>"$data/postgresql.conf" <<CONF
# mognad: hot standby of $primary
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
CONF
    fi
    start_cluster
    url
    ;;
*)
    die "unknown command '$cmd' (start, stop, url, where, remove or standby)"
    ;;
esac
