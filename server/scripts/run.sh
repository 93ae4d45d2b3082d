#!/usr/bin/env bash
# run.sh: `make run`. Starts the private PostgreSQL under var/ unless
# DATABASE_URL is set, migrates, and serves until Ctrl-C, then stops
# PostgreSQL cleanly. A second run reuses var/ and its data.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=build/mognad
started_pg=0

cleanup() {
    if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$started_pg" = 1 ]; then
        echo "run: stopping PostgreSQL"
        server/scripts/pg.sh stop var/pg || true
    fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

mkdir -p var
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(server/scripts/pg.sh start var/pg)
    export DATABASE_URL
    started_pg=1
    where=$(server/scripts/pg.sh where var/pg)
    if [ -L var/pg ]; then
        # The postgres user cannot reach this checkout (under /root, a home
        # directory of mode 700, a mktemp -d directory): see pg.sh.
        echo "run: private PostgreSQL started; its data is in $where (var/pg links there; 'make clean-db' deletes it)"
    else
        echo "run: private PostgreSQL started; its data is in var/pg ('make clean-db' deletes it)"
    fi
else
    echo "run: using DATABASE_URL; no database started"
fi

export MOGNAD_KEY_FILE=${MOGNAD_KEY_FILE:-var/mognad.key}
if [ ! -e "$MOGNAD_KEY_FILE" ]; then
    mkdir -p "$(dirname "$MOGNAD_KEY_FILE")"
    "$bin" keygen "$MOGNAD_KEY_FILE"
fi

"$bin" migrate

# The surveys (each version loads once; an unchanged file is a no-op), and on
# the first start the demo: Region Mellansjö, the closed rounds of two years
# ago and last year with generated responses, this year's open round, and an
# admin account whose password is printed this once (mognad demo --help).
"$bin" survey load --dir surveys
listen=${MOGNAD_LISTEN:-127.0.0.1:8080}
export MOGNAD_PUBLIC_URL=${MOGNAD_PUBLIC_URL:-http://$listen}
# The demo's links belong to one database: var/demo-links.csv to the private
# cluster, var/demo-links-DBNAME.csv to a DATABASE_URL's database, so one
# never overwrites the other's. A file left from an earlier database of the
# same name (the database is empty again) is kept aside, not overwritten.
links=var/demo-links.csv
if [ "$started_pg" = 0 ]; then
    db=$(psql "$DATABASE_URL" -qtAXc 'SELECT current_database()' | tr -c 'A-Za-z0-9_.\n-' '_')
    links=var/demo-links-$db.csv
fi
demo_ran=0
if [ "$(psql "$DATABASE_URL" -qtAXc 'SELECT count(*) FROM units')" = "0" ]; then
    if [ -e "$links" ]; then
        old="${links%.csv}.old-$(date +%Y%m%d-%H%M%S).csv"
        mv "$links" "$old"
        echo "run: $links was of an earlier database; kept as $old"
    fi
    "$bin" demo --units server/scripts/demo/units.csv --links "$links" --admin admin
    demo_ran=1
fi

admins=$(psql "$DATABASE_URL" -qtAXc "SELECT string_agg(login, ', ' ORDER BY login) FROM users WHERE role = 'admin' AND NOT disabled")
echo
echo "  mognad is starting on http://$listen/  (Ctrl-C stops it)"
if [ "$demo_ran" = 1 ]; then
    echo "  dashboard: http://$listen/hr  (account admin, the password printed above)"
elif [ -n "$admins" ]; then
    echo "  dashboard: http://$listen/hr  (admin accounts: $admins; a password is printed only when the"
    echo "    account is made; '$bin user passwd LOGIN' sets a new one)"
else
    echo "  dashboard: http://$listen/hr  (no admin account that can sign in: make one with"
    echo "    '$bin user add --role admin LOGIN', which asks for its password)"
fi
if [ -s "$links" ]; then
    echo "  answer as a demo employee (links of those who have not answered, $links):"
    sed -n '2,4p' "$links" | cut -d, -f2 | sed 's/^/    /'
fi
echo "  health: http://$listen/healthz"
echo
"$bin" serve &
server_pid=$!
wait "$server_pid"
