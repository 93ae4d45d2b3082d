#!/usr/bin/env bash
# smoke.sh: the benchmark's scripts on tiny data (seconds; no targets, no
# timing assertions), so they cannot rot. Takes the environment of
# tests/run.sh: DATABASE_URL (a server on which it may create and drop a
# database mognad_bsmoke_<pid>), MOGNAD_KEY_FILE, MOGNAD_DATA_DIR, and the
# binary in $MOGNAD_BIN (default build/mognad). Prints "bench-smoke: ok",
# or fails with the reason.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${DATABASE_URL:?bench-smoke: DATABASE_URL is not set}"
export MOGNAD_BIN=${MOGNAD_BIN:-$top/build/mognad}
tmp=$(mktemp -d /tmp/mognad-bsmoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
out=$(BENCH_SMOKE=1 BENCH_DIR=$tmp BENCH_TOOLS=$tmp/tools BENCH_PORT=$((20000 + $$ % 20000)) \
      "$here/bench.sh" 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! grep -q '^bench-smoke: ok$' <<<"$out"; then
    echo "$out" | tail -20
    echo "bench-smoke: FAILED (exit $rc): $(grep 'FAILED' <<<"$out" | head -1)"
    exit 1
fi
[ "${BENCH_SMOKE_VERBOSE:-0}" = 1 ] && echo "$out"
echo "bench-smoke: ok"
