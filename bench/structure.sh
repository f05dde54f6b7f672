#!/usr/bin/env bash
# Structure learning from samples (issue 21, acceptance 3): for asia, alarm and child, draws
# 10,000 and 50,000 rows with `gmdl bn sample` (sampling seeds SEEDS, default 1-5), learns the
# structure with hill climbing + BIC (the command's defaults) and with PC at alpha 0.01, and prints
# per run the SHD between the CPDAGs of the learned and the true net (as bnlearn's shd), the true
# arcs, the arcs learned and the time; then the median SHD over the seeds per row, and the checks
# of the acceptance: at 50,000 rows hill climbing with its defaults within 40% of the true arcs on
# alarm and child, and alarm at 50,000 rows in under 60 s.
#   bash bench/structure.sh [GMDL] [BIF_DIR]     (env: SEEDS="1 2 3 4 5", THREADS=2, NETS, SIZES)
set -u
GMDL=${1:-build/gmdl}
BIF=${2:-$(dirname "$0")/../../shared/data/bif}
[ -f "$BIF/alarm.bif" ] || BIF=$(dirname "$0")/../tests/data/bif
SEEDS=${SEEDS:-1 2 3 4 5}
THREADS=${THREADS:-2}
NETS=${NETS:-asia alarm child}
SIZES=${SIZES:-10000 50000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
field() { grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "gmdl $("$GMDL" --version 2>&1 | head -1), $(nproc) cores, --threads $THREADS, $(date -u +%FT%TZ)"
printf '%-6s %6s %-4s %4s %5s %5s %5s %8s %8s\n' net rows alg seed shd true arcs wall_s cpu_s
status=0
for net in $NETS; do
    for n in $SIZES; do
        for alg in hc pc; do
            shds=""
            for seed in $SEEDS; do
                csv=$TMP/$net-$n-$seed.csv
                [ -f "$csv" ] || "$GMDL" bn sample "$BIF/$net.bif" --n "$n" --seed "$seed" > "$csv" || exit 1
                args=(--method "$alg")
                [ "$alg" = pc ] && args+=(--alpha 0.01)
                /usr/bin/time -f "%U %S" -o "$TMP/time" nice -n 5 "$GMDL" bn structure --data "$csv" \
                    --out "$TMP/out.bif" "${args[@]}" --true "$BIF/$net.bif" --threads "$THREADS" \
                    --json > "$TMP/r.json" || exit 1
                shd=$(field "$TMP/r.json" shd)
                ta=$(field "$TMP/r.json" true_arcs)
                wall=$(field "$TMP/r.json" seconds)
                cpu=$(awk '{ print $1 + $2 }' "$TMP/time")
                shds="$shds $shd"
                printf '%-6s %6s %-4s %4s %5s %5s %5s %8.2f %8.2f\n' "$net" "$n" "$alg" "$seed" "$shd" \
                    "$ta" "$(field "$TMP/r.json" arcs)" "$wall" "$cpu"
                if [ "$n" = 50000 ] && [ "$alg" = hc ] && [ "$net" = alarm ] &&
                    awk -v w="$wall" 'BEGIN { exit !(w >= 60) }'; then
                    echo "CHECK FAILED: alarm at 50,000 rows took $wall s (limit 60)"
                    status=1
                fi
            done
            med=$(echo "$shds" | median)
            printf '%-6s %6s %-4s  median SHD %s of %s true arcs (%.0f%%)\n' "$net" "$n" "$alg" "$med" \
                "$ta" "$(awk -v m="$med" -v t="$ta" 'BEGIN { print 100 * m / t }')"
            if [ "$n" = 50000 ] && [ "$alg" = hc ] && { [ "$net" = alarm ] || [ "$net" = child ]; }; then
                if awk -v m="$med" -v t="$ta" 'BEGIN { exit !(m <= 0.4 * t) }'; then
                    echo "CHECK ok: $net hc at 50,000 rows: median SHD $med <= 40% of $ta"
                else
                    echo "CHECK FAILED: $net hc at 50,000 rows: median SHD $med > 40% of $ta"
                    status=1
                fi
            fi
        done
    done
done
exit $status
