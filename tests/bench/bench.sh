#!/usr/bin/env bash
# bench.sh: mognad's benchmark (make bench), or with BENCH_SMOKE=1 the same
# steps on tiny data without targets (make bench-smoke, via smoke.sh).
#
# Data: for each size of BENCH_SIZES (default 1000 100000 1000000
# responses) a database mognad_bench_<size> made by gen.sh, reused when it
# already holds that set (BENCH_REGEN=1 makes them again). Limits, measured
# in the same run: the HTTP limit (http_limit.c: a fixed body of the
# measured size with mognad serve's thread settings) and the ingest limit
# (pgbench, ingest.pgbench). Then mognad serve is measured with wrk: the
# survey page, a static asset, submissions, the round overview and a
# drill-down, and its RSS; every figure is printed with its limit, the
# ratio and PASS/FAIL. BENCH_PROFILE=1 adds perf profiles of the page,
# submission and overview paths (BENCH_DIR/perf-*.txt).
#
# Settings (environment): BENCH_DIR (default /tmp/mognad-bench: the
# PostgreSQL cluster, made with server/scripts/pg.sh with the defaults a user
# gets, the key and the logs), BENCH_DURATION (seconds per wrk run, 10),
# BENCH_CONNS (64), BENCH_API_CONNS (connections for overview/drill-down,
# 8), MOGNAD_THREADS (4), MOGNAD_BIN (build-bench/mognad), BENCH_TOOLS
# (build-bench/bench), BENCH_PORT (18480).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
smoke=${BENCH_SMOKE:-0}
export MOGNAD_BIN=${MOGNAD_BIN:-$top/build-bench/mognad}
[ "${MOGNAD_BIN#/}" != "$MOGNAD_BIN" ] || MOGNAD_BIN=$PWD/$MOGNAD_BIN
export MOGNAD_DATA_DIR=${MOGNAD_DATA_DIR:-$top}
export BENCH_LUA=$here
export MOGNAD_THREADS=${MOGNAD_THREADS:-4}
port=${BENCH_PORT:-18480}
wrk_threads=2
if [ "$smoke" = 1 ]; then
    sizes=${BENCH_SIZES:-200}
    dur=${BENCH_DURATION:-2}
    conns=${BENCH_CONNS:-4}
    api_conns=${BENCH_API_CONNS:-2}
    export BENCH_POOL=${BENCH_POOL:-40} BENCH_CHECK=${BENCH_CHECK:-60}
else
    sizes=${BENCH_SIZES:-1000 100000 1000000}
    dur=${BENCH_DURATION:-10}
    conns=${BENCH_CONNS:-64}
    api_conns=${BENCH_API_CONNS:-8}
fi
dir=${BENCH_DIR:-/tmp/mognad-bench}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
work=$(mktemp -d "$dir/run.XXXXXX")
chmod 0755 "$work"
export BENCH_TOOLS=${BENCH_TOOLS:-$work/tools}
say() { echo "bench: $*"; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

for t in wrk pgbench psql curl python3; do
    command -v "$t" >/dev/null || die "$t is missing (apt-get install wrk postgresql-client-15 curl python3)"
done
[ -x "$MOGNAD_BIN" ] || die "no mognad binary at $MOGNAD_BIN"
[ -x "$BENCH_TOOLS/gen_pool" ] && [ -x "$BENCH_TOOLS/http_limit" ] || "$here/build_tools.sh" "$BENCH_TOOLS"

# ---- the key and the database server --------------------------------------
export MOGNAD_KEY_FILE=${MOGNAD_KEY_FILE:-$dir/key}
[ -f "$MOGNAD_KEY_FILE" ] || "$MOGNAD_BIN" keygen "$MOGNAD_KEY_FILE" >/dev/null
if [ "$smoke" = 1 ]; then
    base_url=${DATABASE_URL:?smoke needs DATABASE_URL}
else
    base_url=$(MOGNAD_PG_FAST=0 "$top/server/scripts/pg.sh" start "$dir/pg")
    say "PostgreSQL: $dir/pg (synchronous_commit $(psql "$base_url" -XAtc 'SHOW synchronous_commit'), fsync $(psql "$base_url" -XAtc 'SHOW fsync'))"
fi
# The URL of database $1 on the same server.
db_url() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.scheme + "://" + p.netloc + "/" + sys.argv[2] + ("?" + p.query if p.query else ""))' "$base_url" "$1"; }
admin() { psql "$base_url" -XqAt -v ON_ERROR_STOP=1 "$@"; }

# ---- data -------------------------------------------------------------------
declare -A url_of r2_of
prefix=mognad_bench
[ "$smoke" = 1 ] && prefix=mognad_bsmoke_$$
for n in $sizes; do
    db=${prefix}_$n
    url=$(db_url "$db")
    url_of[$n]=$url
    info=""
    if [ "$smoke" != 1 ] && [ "${BENCH_REGEN:-0}" != 1 ] &&
       [ "$(admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ]; then
        info=$(psql "$url" -XAt -c "SELECT n || ' ' || r2 || ' ' || seconds || ' ' || made::date FROM bench.info" 2>/dev/null || true)
    fi
    if [ -n "$info" ] && [ "${info%% *}" = "$n" ]; then
        read -r _ r2 secs made <<<"$info"
        say "data $n: reused database $db (generated in $secs s on $made; BENCH_REGEN=1 to make it again)"
        # Made by an older build: bring its schema up to this one's.
        DATABASE_URL=$url "$MOGNAD_BIN" migrate | sed 's/^/bench: migrate: /'
    else
        admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
        t=$(now)
        "$here/gen.sh" "$url" "$n" "$n" | sed 's/^/bench: /'
        say "data $n: generated in $(since "$t") s"
        r2=$(psql "$url" -XAt -c "SELECT r2 FROM bench.info")
    fi
    r2_of[$n]=$r2
done
big=${sizes##* }
url=${url_of[$big]}
r2=${r2_of[$big]}

# ---- mognad serve -----------------------------------------------------------
srv_pid=""
start_server() { # DATABASE_URL
    DATABASE_URL=$1 MOGNAD_LISTEN=127.0.0.1:$port MOGNAD_PUBLIC_URL=http://127.0.0.1:$port \
        "$MOGNAD_BIN" serve >>"$work/serve.log" 2>&1 &
    srv_pid=$!
    pids+=("$srv_pid")
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -5 "$work/serve.log" >&2
    die "mognad serve did not start"
}
stop_server() { kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# Samples the server's VmRSS while a load runs; keeps the highest.
rss_peak=0
watch_start() { ( m=0; while kill -0 "$srv_pid" 2>/dev/null; do r=$(rss_kb "$srv_pid" 2>/dev/null || echo 0); [ "${r:-0}" -gt "$m" ] && m=$r && echo "$m" >"$work/rss"; sleep 0.2; done ) & watch_pid=$!; }
watch_stop() { kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; local r; r=$(cat "$work/rss" 2>/dev/null || echo 0); [ "$r" -gt "$rss_peak" ] && rss_peak=$r; true; }

# wrk SCRIPT CONNS URL: runs wrk, prints its WRK line.
run_wrk() {
    local script=$1 c=$2 target=$3 out
    out=$(BENCH_THREADS=$wrk_threads wrk -t "$wrk_threads" -c "$c" -d "${dur}s" --timeout 10s -s "$here/$script" "$target" 2>&1) ||
        die "wrk failed: $out"
    grep '^WRK ' <<<"$out" || die "wrk printed no result: $out"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

hr_login() { # prints the mognad_hr cookie for the server on $port
    local pw
    pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    printf '%s\n' "$pw" | DATABASE_URL=$1 "$MOGNAD_BIN" user add --role analyst "bench-$$" >/dev/null 2>&1 ||
        printf '%s\n' "$pw" | DATABASE_URL=$1 "$MOGNAD_BIN" user passwd "bench-$$" >/dev/null
    curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"login\":\"bench-$$\",\"password\":\"$pw\"}" "http://127.0.0.1:$port/api/v1/session" |
        sed -n 's/^[Ss]et-[Cc]ookie: \(mognad_hr=[^;]*\).*/\1/p' | sed -n 1p
}

declare -A res
# api_measure SIZE: overview and drill-down of round r2 on the running server.
api_measure() {
    local n=$1 rid=${r2_of[$1]} hr line t0 left
    # The server's scheduler folds the aggregates' shard rows at its first
    # pass (sql/007_compact.sql); measure the steady state after it.
    t0=$SECONDS
    while left=$(psql "${url_of[$1]}" -XAt -c "SELECT count(*) FROM agg_scores WHERE shard >= 0") && [ "$left" != 0 ]; do
        [ $((SECONDS - t0)) -lt 120 ] || { say "aggregates not folded after 120 s ($left shard rows); measuring anyway"; break; }
        sleep 0.5
    done
    say "aggregates @$n: $(psql "${url_of[$1]}" -XAt -c "SELECT count(*) FROM agg_scores WHERE round_id = $rid") score rows for round $rid after folding ($((SECONDS - t0)) s)"
    hr=$(hr_login "${url_of[$1]}")
    [ -n "$hr" ] || die "HR login failed"
    # Figures of what people answered are released at the close (an open
    # round shows counts only): measure round r2 as a closed round, with
    # its change and paired change, then open it again for the submissions.
    psql "${url_of[$1]}" -XAtq -c "UPDATE rounds SET state = 'closed' WHERE id = $rid"
    [ "$(curl -s -o /dev/null -w '%{http_code}' -b "$hr" "http://127.0.0.1:$port/api/v1/rounds/$rid/overview")" = 200 ] ||
        die "overview did not answer 200"
    unit=$(psql "${url_of[$1]}" -XAt -c "SELECT code FROM units WHERE nlevel(path) = 2 ORDER BY code LIMIT 1 OFFSET 2")
    [ "$(curl -s -o /dev/null -w '%{http_code}' -b "$hr" "http://127.0.0.1:$port/api/v1/rounds/$rid/indicators?unit=$unit&depth=1")" = 200 ] ||
        die "drill-down did not answer 200"
    line=$(BENCH_PATH=/api/v1/rounds/$rid/overview BENCH_COOKIE=$hr run_wrk get.lua "$api_conns" "http://127.0.0.1:$port")
    res[ov_$n]=$line
    say "overview    @$n: $line"
    line=$(BENCH_PATH="/api/v1/rounds/$rid/indicators?unit=$unit&depth=1" BENCH_COOKIE=$hr run_wrk get.lua "$api_conns" "http://127.0.0.1:$port")
    res[dd_$n]=$line
    say "drill-down  @$n ($unit, depth 1): $line"
    psql "${url_of[$1]}" -XAtq -c "UPDATE rounds SET state = 'open' WHERE id = $rid"
}

start_server "$url"
sleep 0.5
rss_idle=$(rss_kb "$srv_pid")
say "mognad serve on $(psql "$url" -XAt -c 'SELECT count(*) FROM responses') responses, pid $srv_pid, $MOGNAD_THREADS threads; RSS idle ${rss_idle} kB"

# A respondent session for the page: an invitation link exchanged for the cookie.
printf 'employee_id,email,unit_code,role\nbench-page-%s,page-%s@example.org,%s,staff\n' $$ $$ \
    "$(psql "$url" -XAt -c "SELECT code FROM units WHERE NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = units.id) ORDER BY code LIMIT 1")" \
    >"$work/page-register.csv"
DATABASE_URL=$url "$MOGNAD_BIN" invite --round "$r2" --out "$work/page-links.csv" \
    --base-url "http://127.0.0.1:$port" "$work/page-register.csv" >/dev/null 2>"$work/invite.err" || { cat "$work/invite.err"; die "mognad invite failed"; }
python3 "$here/sessions.py" "http://127.0.0.1:$port" "$work/page-links.csv" "$work/page-session" 1
page_cookie="mognad_r=$(cut -d' ' -f1 "$work/page-session")"
page_bytes=$(curl -fs -b "$page_cookie" "http://127.0.0.1:$port/survey/page/1" | wc -c)
grep -q 'name="csrf"' < <(curl -fs -b "$page_cookie" "http://127.0.0.1:$port/survey/page/1") || die "the survey page is not the form"
css_bytes=$(curl -fs "http://127.0.0.1:$port/static/css/mognad.css" | wc -c)
[ "$css_bytes" -gt 0 ] || die "no /static/css/mognad.css"
say "survey page 1: $page_bytes bytes; /static/css/mognad.css: $css_bytes bytes"

# ---- limits -------------------------------------------------------------------
limit_http() { # BYTES: prints the WRK line of http_limit serving that many bytes
    local lp=$((port + 1)) p line
    "$BENCH_TOOLS/http_limit" "$lp" "$1" "$MOGNAD_THREADS" & p=$!
    pids+=("$p")
    for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$lp/" && break; sleep 0.1; done
    line=$(BENCH_PATH=/ BENCH_COOKIE= run_wrk get.lua "$conns" "http://127.0.0.1:$lp")
    kill "$p"; wait "$p" 2>/dev/null || true
    echo "$line"
}
res[lim_page]=$(limit_http "$page_bytes")
say "HTTP limit, $page_bytes-byte body: ${res[lim_page]}"
res[lim_css]=$(limit_http "$css_bytes")
say "HTTP limit, $css_bytes-byte body: ${res[lim_css]}"

# Ingest limit: a round of its own, removed afterwards.
ingest_round=$(psql "$url" -XAt -v ON_ERROR_STOP=1 -c "INSERT INTO rounds (name, mode, opens_at, closes_at, state) VALUES ('bench ingest $$', 'open', now() - interval '1 day', now() + interval '1 day', 'closed') RETURNING id" | sed -n 1p)
root_unit=$(psql "$url" -XAt -c "SELECT min(id) FROM units WHERE parent_id IS NULL")
npool=$(psql "$url" -XAt -c "SELECT count(*) FROM bench.pool WHERE role = 'staff'")
pgout=$(pgbench -n -c "$conns" -j "$wrk_threads" -T "$dur" -f "$here/ingest.pgbench" \
    -D round="$ingest_round" -D unit="$root_unit" -D npool="$npool" "$url" 2>&1) || die "pgbench failed: $pgout"
ingest_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pgout" | sed -n 1p | awk '{ printf "%.1f", $1 }')
psql "$url" -Xq -c "DELETE FROM responses WHERE round_id = $ingest_round" -c "DELETE FROM rounds WHERE id = $ingest_round"
say "ingest limit (pgbench, $conns clients, responses row + $(psql "$url" -XAt -c "SELECT round(avg(c)) FROM (SELECT count(*) c FROM bench.pool_answers GROUP BY pid) x") answer rows per transaction): $ingest_tps responses/s"

# ---- mognad: page and static asset ---------------------------------------------
watch_start
res[page]=$(BENCH_PATH=/survey/page/1 BENCH_COOKIE=$page_cookie run_wrk get.lua "$conns" "http://127.0.0.1:$port")
watch_stop
say "survey page: ${res[page]}"
watch_start
res[css]=$(BENCH_PATH=/static/css/mognad.css BENCH_COOKIE= run_wrk get.lua "$conns" "http://127.0.0.1:$port")
watch_stop
say "static asset: ${res[css]}"

# ---- submissions ------------------------------------------------------------------
# Enough sessions for the whole run at the ingest limit (capped).
nsub=$(awk -v t="${ingest_tps:-100}" -v d="$dur" 'BEGIN { n = int(t * d * 1.2) + 200; if (n > 20000) n = 20000; print n }')
[ "$smoke" = 1 ] && nsub=30
# prepare_sessions N NAME: N invitations into round r2 (mognad invite),
# exchanged for respondent sessions over HTTP (sessions.py), each given a
# full survey as its draft (drafts.sql); the sessions in $work/NAME.
prepare_sessions() {
    local leaf_codes
    leaf_codes=$(psql "$url" -XAt -c "SELECT string_agg(code, ' ' ORDER BY code) FROM units u WHERE NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)")
    python3 - "$1" "$$-$2" $leaf_codes >"$work/$2-register.csv" <<'PY'
import sys
n, tag, codes = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
print("employee_id,email,unit_code,role")
for i in range(n):
    print(f"bench-sub-{tag}-{i},sub-{tag}-{i}@example.org,{codes[i % len(codes)]},staff")
PY
    DATABASE_URL=$url "$MOGNAD_BIN" invite --round "$r2" --out "$work/$2-links.csv" \
        --base-url "http://127.0.0.1:$port" "$work/$2-register.csv" >/dev/null 2>"$work/invite.err" || { cat "$work/invite.err"; die "mognad invite failed"; }
    python3 "$here/sessions.py" "http://127.0.0.1:$port" "$work/$2-links.csv" "$work/$2" 8
    psql "$url" -Xq -v ON_ERROR_STOP=1 -v r2="$r2" -f "$here/drafts.sql"
}
t=$(now)
prepare_sessions "$nsub" sub-sessions
say "submissions: $nsub invitations made, exchanged for sessions and given a full draft in $(since "$t") s"
before=$(psql "$url" -XAt -c "SELECT count(*) FROM responses WHERE round_id = $r2")
watch_start
sub_window=$(( dur > 4 ? dur - 2 : 1 ))
res[sub]=$(BENCH_SUBMIT_SECONDS=$sub_window BENCH_SESSIONS=$work/sub-sessions run_wrk submit.lua "$conns" "http://127.0.0.1:$port")
watch_stop
after=$(psql "$url" -XAt -c "SELECT count(*) FROM responses WHERE round_id = $r2")
submitted=$(field submitted "${res[sub]}")
say "submissions: ${res[sub]}"
stored=$((after - before))
if [ "$stored" = "$submitted" ]; then sub_check=PASS; else sub_check=FAIL; fi
say "submissions: $submitted answered 303 (stored), $stored new rows in responses: $sub_check"

# ---- overview and drill-down at each size ----------------------------------------------
watch_start
api_measure "$big"
watch_stop
rss_end=$(rss_kb "$srv_pid")

if [ "${BENCH_PROFILE:-0}" = 1 ]; then
    if perf record -o "$work/probe.data" -- true >/dev/null 2>&1; then
        profile() { # NAME SCRIPT ENV...: perf of the whole machine while wrk runs
            local name=$1 script=$2; shift 2
            perf record -a -g -F 499 -o "$work/perf-$name.data" -- sleep "$dur" >/dev/null 2>&1 &
            local pp=$!
            env "$@" BENCH_THREADS=$wrk_threads wrk -t "$wrk_threads" -c "$conns" -d "${dur}s" -s "$here/$script" "http://127.0.0.1:$port" >/dev/null 2>&1 || true
            wait "$pp" || true
            perf report -i "$work/perf-$name.data" --no-children --sort comm,dso,sym --percent-limit 0.7 --stdio 2>/dev/null |
                grep -v '^$' | grep -v '^ *|' | grep -v '^ *-' | sed -n 1,60p >"$dir/perf-$name.txt"
            say "profile $name: $dir/perf-$name.txt"
        }
        profile page get.lua BENCH_PATH=/survey/page/1 BENCH_COOKIE="$page_cookie"
        hr=$(hr_login "$url")
        profile overview get.lua BENCH_PATH="/api/v1/rounds/$r2/overview" BENCH_COOKIE="$hr"
        prepare_sessions "$nsub" prof-sessions
        profile submit submit.lua BENCH_SESSIONS="$work/prof-sessions"
    else
        say "profile: perf cannot record here; skipped"
    fi
fi
stop_server

for n in $sizes; do
    [ "$n" = "$big" ] && continue
    start_server "${url_of[$n]}"
    api_measure "$n"
    stop_server
done

# ---- the report ------------------------------------------------------------------------
echo
echo "== mognad benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, MOGNAD_THREADS=$MOGNAD_THREADS, wrk $conns connections, ${dur} s per run; the machine is shared, so figures may be disturbed)"
verdict() { # VALUE OP LIMIT -> PASS/FAIL (or "-" in smoke runs)
    [ "$smoke" = 1 ] && { echo "-"; return; }
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? v >= l : v <= l; print ok ? "PASS" : "FAIL" }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
fails=0
row() { # LABEL VALUE UNIT LIMIT-TEXT RATIO TARGET-TEXT VERDICT
    printf '%-34s %12s %-6s | %-28s | ratio %-6s | target %-22s %s\n' "$@"
    [ "$7" = FAIL ] && fails=$((fails + 1))
    true
}
lp=$(field rps "${res[lim_page]}") lc=$(field rps "${res[lim_css]}")
pr=$(field rps "${res[page]}") cr=$(field rps "${res[css]}")
r=$(ratio "$pr" "$lp"); row "survey page GET /survey/page/1" "$pr" req/s "HTTP limit $lp req/s" "$r" ">= 0.3x limit" "$(verdict "$r" ">=" 0.3)"
printf '%-34s p50 %s ms, p99 %s ms, errors %s\n' "" "$(field p50_ms "${res[page]}")" "$(field p99_ms "${res[page]}")" "$(field non2xx3xx "${res[page]}")"
r=$(ratio "$cr" "$lc"); row "static asset /static/css/mognad.css" "$cr" req/s "HTTP limit $lc req/s" "$r" ">= 0.8x limit" "$(verdict "$r" ">=" 0.8)"
printf '%-34s p50 %s ms, p99 %s ms, errors %s\n' "" "$(field p50_ms "${res[css]}")" "$(field p99_ms "${res[css]}")" "$(field non2xx3xx "${res[css]}")"
srate=$(field submit_rate "${res[sub]}")
r=$(ratio "$srate" "$ingest_tps"); row "submissions POST /survey/submit" "$srate" resp/s "ingest limit $ingest_tps resp/s" "$r" ">= 0.5x limit" "$(verdict "$r" ">=" 0.5)"
printf '%-34s p50 %s ms, p99 %s ms; %s stored = %s new rows: %s%s\n' "" "$(field p50_ms "${res[sub]}")" "$(field p99_ms "${res[sub]}")" \
    "$submitted" "$stored" "$sub_check" "$([ "$(field unused_sessions "${res[sub]}")" = 0 ] && echo " (sessions ran out: the rate is a lower bound)")"
[ "$sub_check" = FAIL ] && fails=$((fails + 1))
ov_small=${sizes%% *}
ov1=$(field p99_ms "${res[ov_$ov_small]}")
for n in $sizes; do
    o=${res[ov_$n]} d=${res[dd_$n]}
    p99=$(field p99_ms "$o")
    if [ "$n" = "$big" ] && [ "$n" != "$ov_small" ]; then
        row "overview p99 @$n" "$p99" ms "limit 20 ms" "$(ratio "$p99" 20)" "<= 20 ms" "$(verdict "$p99" "<=" 20)"
        r=$(ratio "$p99" "$ov1"); row "overview p99 @$n vs @$ov_small" "$p99" ms "@$ov_small: $ov1 ms" "$r" "<= 2x its @$ov_small value" "$(verdict "$r" "<=" 2)"
    fi
    printf '%-34s p50 %s ms, p99 %s ms, %s req/s (%s connections)\n' "overview @$n" "$(field p50_ms "$o")" "$p99" "$(field rps "$o")" "$api_conns"
    printf '%-34s p50 %s ms, p99 %s ms, %s req/s\n' "drill-down depth 1 @$n" "$(field p50_ms "$d")" "$(field p99_ms "$d")" "$(field rps "$d")"
done
peak=$(( rss_peak > rss_end ? rss_peak : rss_end ))
printf '%-34s idle %s kB, end of load %s kB, peak during load %s kB\n' "server RSS (VmRSS) @$big" "$rss_idle" "$rss_end" "$rss_peak"
mb=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
row "server RSS under load" "$mb" MB "limit 64 MB" "$(ratio "$mb" 64)" "<= 64 MB" "$(verdict "$mb" "<=" 64)"
# Research microdata export (CSV + codebook, and SPSS .sav) of the set
# nearest 100,000 responses: wall-clock seconds of `mognad export`.
md_n=""
for n in $sizes; do
    if [ -z "$md_n" ] || [ $(( n > 100000 ? n - 100000 : 100000 - n )) -lt $(( md_n > 100000 ? md_n - 100000 : 100000 - md_n )) ]; then md_n=$n; fi
done
md_round=${r2_of[$md_n]}
for fmt in csv sav; do
    t0=$(now)
    extra=(); [ "$fmt" = csv ] && extra=(--microdata)
    if DATABASE_URL=${url_of[$md_n]} "$MOGNAD_BIN" export --round "$md_round" --format "$fmt" "${extra[@]}" \
        --lang en --out "$work/microdata.$fmt" 2>"$work/export-$fmt.log"; then
        secs=$(since "$t0")
        rows=$(sed -n 's/.*: \([0-9]*\) responses written.*/\1/p' "$work/export-$fmt.log")
        row "microdata export $fmt @$md_n" "$secs" s "$rows rows" "$(ratio "$secs" 0.5)" "<= 0.5 s" "$(verdict "$secs" "<=" 0.5)"
    else
        row "microdata export $fmt @$md_n" "error" s "$(tail -1 "$work/export-$fmt.log")" "n/a" "<= 0.5 s" "FAIL"
    fi
done
if [ "$smoke" = 1 ]; then
    for n in $sizes; do admin -c "DROP DATABASE IF EXISTS ${prefix}_$n"; done
    echo "bench-smoke: ok"
elif [ "$fails" -gt 0 ]; then
    echo "bench: $fails target(s) FAILED"
else
    echo "bench: every target PASSED"
fi
