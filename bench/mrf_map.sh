#!/bin/bash
# Issue 21, acceptance 2: the MPE of every UAI instance of a folder (with its .evid when there is
# one) by max-product on the junction tree (--method jt) and by sum-max elimination (--method
# ve, checked against brute force in tests/pgm/test_pgm_map.c): log10 P(x, e) of each, computed
# exactly from the assignment, whether they agree, and the wall time of each command (which also
# computes log Z for the normalisation).
#   bash bench/mrf_map.sh [GMDL] [UAI_DIR]     (defaults: build/gmdl, ../shared/data/uai)
set -u
GMDL=${1:-build/gmdl}
UAI=${2:-../shared/data/uai}
printf '%-18s %-22s %-22s %-6s %8s %8s\n' instance "jt log10_prob" "ve log10_prob" same "jt s" "ve s"
for f in "$UAI"/*.uai; do
    ev=()
    [ -s "$f.evid" ] && ev=(--evid "$f.evid")
    row=()
    for m in jt ve; do
        t0=$(date +%s.%N)
        lp=$("$GMDL" mrf map "$f" "${ev[@]}" --method $m --json | grep -o '"log10_prob": [-0-9.eE+]*' | sed 's/.*: //')
        t1=$(date +%s.%N)
        row+=("$lp" "$(echo "$t1 - $t0" | bc)")
    done
    same=$(awk -v a="${row[0]}" -v b="${row[2]}" 'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 1e-9 * (1 + (a < 0 ? -a : a))) ? "yes" : "NO" }')
    printf '%-18s %-22s %-22s %-6s %8.2f %8.2f\n' "$(basename "$f" .uai)" "${row[0]}" "${row[2]}" "$same" "${row[1]}" "${row[3]}"
done
