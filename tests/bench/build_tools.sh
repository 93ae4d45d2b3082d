#!/usr/bin/env bash
# build_tools.sh OUTDIR: builds the benchmark's helpers (gen_pool, linked
# with the real server/scoring.c, and http_limit) into OUTDIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
mkdir -p "$out"
cc=${CC:-cc}
flags="-std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE"
$cc $flags -I"$top/include" $(pkg-config --cflags libcjson) -o "$out/gen_pool" \
    "$top/tests/bench/gen_pool.c" "$top/server/scoring.c" $(pkg-config --libs libcjson) -lm
$cc $flags $(pkg-config --cflags libmicrohttpd) -o "$out/http_limit" \
    "$top/tests/bench/http_limit.c" $(pkg-config --libs libmicrohttpd)
