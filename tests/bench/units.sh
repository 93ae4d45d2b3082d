#!/usr/bin/env bash
# units.sh: a realistic organisation tree of about 500 units, as the CSV
# `mognad units import` reads: one region, 8 administrations,
# 5 to 8 departments each, 6 to 11 sections per department.
set -euo pipefail
echo "code;name;parent_code"
echo "BR;Region Benchmark;"
for a in 1 2 3 4 5 6 7 8; do
    echo "BR-A$a;Administration $a;BR"
    nd=$(( 5 + (a * 3) % 4 ))
    for d in $(seq 1 "$nd"); do
        echo "BR-A$a-D$d;Department $a.$d;BR-A$a"
        ns=$(( 6 + (a * 7 + d * 3) % 6 ))
        for s in $(seq 1 "$ns"); do
            echo "BR-A$a-D$d-S$s;Section $a.$d.$s;BR-A$a-D$d"
        done
    done
done
