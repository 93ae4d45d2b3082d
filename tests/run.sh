#!/usr/bin/env bash
# run.sh: every test of `make test`, on a throwaway database, ending with
# one line "N passed, N failed".
#
#   MOGNAD_TEST_BUILDS  builds to test: "normal asan" (default) or "asan"
#   MOGNAD_BUILD_DIR    where the builds are (default build)
#   MOGNAD_TEST_ONLY    run only test files whose name contains this
#   DATABASE_URL        when set, a throwaway database is created on that
#                       server (and dropped after); otherwise a throwaway
#                       PostgreSQL cluster runs in a temporary directory
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

builds=${MOGNAD_TEST_BUILDS:-normal asan}
bd=${MOGNAD_BUILD_DIR:-build}
only=${MOGNAD_TEST_ONLY:-}
# Debian's Python, which has the Debian packages the tests read files with
# (python3-openpyxl), even when another python3 comes first in PATH.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
results=$(mktemp /tmp/mognad-results.XXXXXX)
tmpdir=$(mktemp -d /tmp/mognad-test.XXXXXX)
chmod 0755 "$tmpdir"
pg_dir=""
test_db=""
admin_url=""

cleanup() {
    if [ -n "$pg_dir" ]; then
        server/scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true
    fi
    if [ -n "$test_db" ]; then
        psql "$admin_url" -qtAc "DROP DATABASE IF EXISTS \"$test_db\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmpdir" "$results"
}
trap cleanup EXIT

# The throwaway database.
if [ -n "${DATABASE_URL:-}" ]; then
    admin_url=$DATABASE_URL
    test_db="mognad_test_$$"
    psql "$admin_url" -qtAc "CREATE DATABASE \"$test_db\"" >/dev/null || { echo "cannot create $test_db"; exit 1; }
    export DATABASE_URL=$(python3 tests/lib/mgtest.py db_url "$admin_url" "$test_db")
    export MOGNAD_TEST_PG_DIR=""
else
    pg_dir="$tmpdir/pg"
    export DATABASE_URL=$(MOGNAD_PG_FAST=1 server/scripts/pg.sh start "$pg_dir") || { echo "cannot start the test PostgreSQL"; exit 1; }
    export MOGNAD_TEST_PG_DIR=$pg_dir
fi
export MOGNAD_DATA_DIR=$top
export MOGNAD_TEST_TMP=$tmpdir
export MOGNAD_KEY_FILE=$tmpdir/test.key
$bd/mognad keygen "$MOGNAD_KEY_FILE" >/dev/null || { echo "cannot make the test key file"; exit 1; }
if ! $bd/mognad migrate >/dev/null; then
    echo "migrations failed"
    exit 1
fi
echo "test database ready"

# The browser tests' packages (playwright-core, axe-core), from the lock file.
if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "npm ci in tests/browser failed"; exit 1; }
fi

record() { echo "$1 $2 $3 $4" >>"$results"; } # suite passed failed skipped

# Seconds per stage, printed at the end (what makes `make test` long).
stage_name=""; stage_t0=$SECONDS
stage() {
    [ -n "$stage_name" ] && echo "$stage_name $((SECONDS - stage_t0))" >>"$tmpdir/stages"
    stage_name=$1; stage_t0=$SECONDS
}
stage setup

# Unit tests (cmocka): parse its summary, trust the exit code for failures.
stage unit
for b in $builds; do
    dir=$bd/tests; [ "$b" = asan ] && dir=$bd/asan/tests
    for t in "$dir"/test_*; do
        [ -x "$t" ] || continue
        case "$t" in *.d) continue ;; esac
        [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
        out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1); rc=$?
        run=$(printf '%s\n' "$out" | sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' | tail -1)
        failed=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' | tail -1)
        run=${run:-0}; failed=${failed:-0}
        if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
        passed=$((run - failed)); [ "$passed" -lt 0 ] && passed=0
        if [ "$failed" -ne 0 ]; then printf '%s\n' "$out"; fi
        printf '%-44s %3d passed, %d failed\n' "unit[$b] $(basename "$t")" "$passed" "$failed"
        record "$t" "$passed" "$failed" 0
    done
done

# Integration tests: the real server against the test database. Under
# ASan + UBSan every test that drives request handling runs again; those
# that test the machine around the server (install, upgrade, backup, two
# servers behind nginx, kill -9 and PostgreSQL restarts, slow clients,
# valgrind, whole browser sessions; the demo's own tests, whose C code the
# ASan build runs anyway in the export tests' worlds) run against the normal
# build only, to keep `make test` short. MOGNAD_ASAN_ALL=1 runs them all twice.
normal_only="test_install test_checkout test_upgrade test_backup test_scale test_faults test_slowclients
             test_valgrind test_browser test_browser_report test_browser_dashboard test_demo"
for b in $builds; do
    stage "integration[$b]"
    bin=$top/$bd/mognad; [ "$b" = asan ] && bin=$top/$bd/asan/mognad
    for t in tests/integration/test_*.py; do
        [ -f "$t" ] || continue
        [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
        name=$(basename "$t" .py)
        if [ "$b" = asan ] && [ "${MOGNAD_ASAN_ALL:-0}" != 1 ] && [[ " $(echo $normal_only) " == *" $name "* ]]; then
            continue
        fi
        t0=$SECONDS
        MOGNAD_BIN=$bin MOGNAD_BUILD=$b MG_RESULTS=$results "$py" "$t" || true
        echo "$b $name $((SECONDS - t0))" >>"$tmpdir/durations"
    done
done

# Bench smoke: the benchmark's scripts on tiny data (no figures checked),
# so `make bench` cannot rot. Against the normal build.
stage bench-smoke
if [ -z "$only" ] || [[ bench == *"$only"* ]]; then
    bench_log=$tmpdir/bench-smoke.log
    case $bd in /*) bench_bin=$bd/mognad ;; *) bench_bin=$top/$bd/mognad ;; esac
    if MOGNAD_BIN=$bench_bin tests/bench/smoke.sh >"$bench_log" 2>&1; then
        printf '%-44s %3d passed, %d failed\n' "bench smoke" 1 0; record bench_smoke 1 0 0
    else
        cat "$bench_log"
        printf '%-44s %3d passed, %d failed\n' "bench smoke" 0 1; record bench_smoke 0 1 0
    fi
fi

# Lint: cppcheck over server/ (tests/lint.mk); one result, failed on any
# finding.
stage lint
if [ -z "$only" ] || [[ lint == *"$only"* ]]; then
    lint_log=$tmpdir/lint.log
    if make --no-print-directory BUILD="$bd" lint >"$lint_log" 2>&1; then
        printf '%-44s %3d passed, %d failed\n' "lint cppcheck" 1 0; record lint_cppcheck 1 0 0
    else
        cat "$lint_log"
        printf '%-44s %3d passed, %d failed\n' "lint cppcheck" 0 1; record lint_cppcheck 0 1 0
    fi
fi

# Fuzz smoke: each libFuzzer target (tests/fuzz/) for a few seconds from
# its committed corpus; one result per target, failed when it crashes.
stage fuzz
if [ -z "$only" ] || [[ fuzz == *"$only"* ]]; then
    fuzz_log=$tmpdir/fuzz-smoke.log
    make --no-print-directory BUILD="$bd" fuzz-smoke FUZZ_SECONDS="${MOGNAD_FUZZ_SECONDS:-10}" >"$fuzz_log" 2>&1
    fuzz_rc=$?
    for t in $(sed -n 's/^fuzz_\([a-z]*\): \(ok\|CRASH\).*/\1/p' "$fuzz_log"); do
        if grep -q "^fuzz_$t: ok" "$fuzz_log"; then
            printf '%-44s %3d passed, %d failed\n' "fuzz $t" 1 0; record "fuzz_$t" 1 0 0
        else
            printf '%-44s %3d passed, %d failed\n' "fuzz $t" 0 1; record "fuzz_$t" 0 1 0
        fi
    done
    if [ "$fuzz_rc" -ne 0 ]; then
        cat "$fuzz_log"
        grep -qE '^fuzz_[a-z]*: (ok|CRASH)' "$fuzz_log" || record fuzz_build 0 1 0
    fi
fi

# Where the time went, to keep `make test` short.
stage done
if [ -z "$only" ]; then
    echo "seconds per stage: $(awk '{printf "%s %s  ", $1, $2}' "$tmpdir/stages")"
fi
if [ -s "$tmpdir/durations" ]; then
    echo "slowest integration tests (seconds): $(sort -k3 -nr "$tmpdir/durations" | head -6 | awk '{printf "%s[%s] %s  ", $2, $1, $3}')"
fi
awk '{p+=$2; f+=$3; s+=$4} END {
    line = p " passed, " f " failed"; if (s) line = line ", " s " skipped"; print line;
    exit (f > 0 || p == 0) }' "$results"
