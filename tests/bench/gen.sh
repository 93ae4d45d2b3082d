#!/usr/bin/env bash
# gen.sh DATABASE_URL N TAG: fills an empty database with a benchmark data
# set of N responses, fast (SQL in bulk, no HTTP): the schema and surveys,
# a tree of about 500 units (units.sh), a pool of distinct responses scored
# by the real C scoring code (gen_pool), a two-round pseudonymous series
# holding N responses replicated from the pool with their answers, area
# scores and aggregates (bulk.sql, checked against mg_agg_response on a
# sample first: check.sql) and the invitations (invitations.sql).
# Prints the time of each step. Needs MOGNAD_BIN, MOGNAD_KEY_FILE,
# MOGNAD_DATA_DIR and BENCH_TOOLS (the directory holding gen_pool).
# Optional: BENCH_POOL (distinct staff responses, default 3000; managers a
# tenth of that), BENCH_CHECK (sample size of the check, default 400).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
url=$1 n=$2 tag=$3
pool=${BENCH_POOL:-3000}
check=${BENCH_CHECK:-400}
: "${MOGNAD_BIN:?}" "${MOGNAD_KEY_FILE:?}" "${MOGNAD_DATA_DIR:?}" "${BENCH_TOOLS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { PGOPTIONS="-c client_min_messages=warning" psql "$url" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t_all=$(now)
t=$(now)
DATABASE_URL=$url "$MOGNAD_BIN" migrate >/dev/null
DATABASE_URL=$url "$MOGNAD_BIN" survey load --dir "$MOGNAD_DATA_DIR/surveys" >/dev/null
"$here/units.sh" >"$tmp/units.csv"
DATABASE_URL=$url "$MOGNAD_BIN" units import "$tmp/units.csv" >/dev/null
nunits=$(q -At -c "SELECT count(*) FROM units")
echo "gen $tag: schema, surveys, $nunits units: $(since "$t") s"

t=$(now)
mpool=$(( pool / 10 > 0 ? pool / 10 : 1 ))
"$BENCH_TOOLS/gen_pool" "$MOGNAD_DATA_DIR/surveys/staff.json" staff "$pool" 1 1 >"$tmp/pool.copy"
"$BENCH_TOOLS/gen_pool" "$MOGNAD_DATA_DIR/surveys/manager.json" manager "$mpool" 2 $(( pool + 1 )) >>"$tmp/pool.copy"
q -f "$here/pool.sql" <"$tmp/pool.copy"
echo "gen $tag: pool of $pool staff + $mpool manager responses scored by server/scoring.c: $(since "$t") s"

# The bulk aggregates against mg_agg_response, on a sample in two rounds
# of their own (removed afterwards).
t=$(now)
IFS='|' read -r c1 c2 cs < <(q -At -v tag="check-$tag" -f "$here/rounds.sql")
out=$(q -v tag="check-$tag" -v n="$check" -v r1="$c1" -v r2="$c2" -v series="$cs" \
      -f "$here/map.sql" -f "$here/bulk.sql" -f "$here/check.sql")
echo "gen $tag: $out ($(since "$t") s)"
case "$out" in
*" 0 differences"*) ;;
*) echo "gen $tag: the bulk aggregates differ from mg_agg_response's" >&2; exit 1 ;;
esac

t=$(now)
IFS='|' read -r r1 r2 series < <(q -At -v tag="$tag" -f "$here/rounds.sql")
q -v tag="$tag" -v n="$n" -v r1="$r1" -v r2="$r2" -f "$here/map.sql"
echo "gen $tag: map of $n responses (rounds $r1, $r2): $(since "$t") s"

# Large sets: the answer tables' keys are built once after the load rather
# than maintained row by row (43 answer rows per response).
big=0
[ "$n" -ge 50000 ] && big=1
t=$(now)
{
    echo "SET maintenance_work_mem = '1GB';"
    if [ $big = 1 ]; then
        echo "ALTER TABLE response_answers DROP CONSTRAINT response_answers_response_id_fkey, DROP CONSTRAINT response_answers_pkey;"
        echo "ALTER TABLE response_area_scores DROP CONSTRAINT response_area_scores_response_id_fkey, DROP CONSTRAINT response_area_scores_pkey;"
    fi
    echo "\\i $here/bulk.sql"
    if [ $big = 1 ]; then
        echo "ALTER TABLE response_answers ADD PRIMARY KEY (response_id, item_key);"
        echo "ALTER TABLE response_answers ADD CONSTRAINT response_answers_response_id_fkey FOREIGN KEY (response_id) REFERENCES responses (id) ON DELETE CASCADE;"
        echo "ALTER TABLE response_area_scores ADD PRIMARY KEY (response_id, area_key);"
        echo "ALTER TABLE response_area_scores ADD CONSTRAINT response_area_scores_response_id_fkey FOREIGN KEY (response_id) REFERENCES responses (id) ON DELETE CASCADE;"
    fi
} | q -v tag="$tag"
echo "gen $tag: responses, answers, area scores and aggregates: $(since "$t") s"

t=$(now)
q -v tag="$tag" -f "$here/invitations.sql"
ninv=$(q -At -c "SELECT count(*) FROM invitations")
echo "gen $tag: $ninv invitations: $(since "$t") s"

t=$(now)
q -c "VACUUM ANALYZE"
echo "gen $tag: vacuum analyze: $(since "$t") s"
read -r nresp nans < <(q -At -F ' ' -c "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM response_answers)")
total=$(since "$t_all")
q -c "CREATE TABLE bench.info AS SELECT $n::bigint AS n, $r1::bigint AS r1, $r2::bigint AS r2, $total::numeric AS seconds, now() AS made"
echo "gen $tag: $nresp responses, $nans answers in $total s in all"
