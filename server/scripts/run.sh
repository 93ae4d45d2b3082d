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
# the first start the demo: Region Mellansjö, last year's closed round with
# generated responses, this year's open round, and an admin account whose
# password is printed this once (mognad demo --help).
"$bin" survey load --dir surveys
listen=${MOGNAD_LISTEN:-127.0.0.1:8080}
export MOGNAD_PUBLIC_URL=${MOGNAD_PUBLIC_URL:-http://$listen}
if [ "$(psql "$DATABASE_URL" -qtAXc 'SELECT count(*) FROM units')" = "0" ]; then
    "$bin" demo --units server/scripts/demo/units.csv --links var/demo-links.csv --admin admin
fi

echo
echo "  mognad is starting on http://$listen/  (Ctrl-C stops it)"
echo "  dashboard: http://$listen/hr  (account admin; the password was printed on the first start)"
if [ -s var/demo-links.csv ]; then
    echo "  answer as a demo employee (links of those who have not answered, var/demo-links.csv):"
    sed -n '2,4p' var/demo-links.csv | cut -d, -f2 | sed 's/^/    /'
fi
echo "  health: http://$listen/healthz"
echo
"$bin" serve &
server_pid=$!
wait "$server_pid"
