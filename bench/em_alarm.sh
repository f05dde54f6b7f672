#!/bin/bash
# Issue 15, acceptance 2: EM on alarm with 20,000 sampled rows and 20% of the cells deleted, for
# seeds 1-5, two threads: the largest CPT difference from the true net over rows whose parent
# configuration has at least 200 samples (and, for comparison, the complete-data estimate's own),
# monotone log-likelihood, complete data = frequencies, BIF round trip, EM seconds (wall and CPU).
#   bench/em_alarm.sh [BUILD_DIR] [SEEDS...]
set -u
B=${1:-build}
shift || true
SEEDS=${*:-1 2 3 4 5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
rc=0
for s in $SEEDS; do
    OMP_WAIT_POLICY=passive "$B/tests/pgm/em_bench" "$ROOT/tests/data/bif/alarm.bif" --rows 20000 \
        --missing 0.2 --seed "$s" --threads 2 --min-count 200 --max-s 30 --out "$OUT/alarm_$s.bif" || rc=1
    echo
done
exit $rc
