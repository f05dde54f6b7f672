#!/bin/bash
# Issue 15, acceptance 5: M2 against the supervised baseline of the same architecture on
# Fashion-MNIST, for each label count and seed; prints one line per run (test error).
#   bench/ssvae_fmnist.sh [BUILD_DIR] [EPOCHS] [LABELS...]    (seeds: SEEDS="1 2 3 4 5")
# The baseline (--classifier-only) trains 2 epochs (1198 Adam steps; its training loss is below
# 0.001 by then and longer training does not lower its test error); M2 trains EPOCHS epochs with
# the command's defaults (Kingma et al. 2014). Two threads each, nice 5.
set -u
B=${1:-build}
EPOCHS=${2:-100}
shift 2 2>/dev/null || shift $#
LABELS=${*:-100 1000}
SEEDS=${SEEDS:-1 2 3 4 5}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export OMP_WAIT_POLICY=passive
field() { grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'; }
for L in $LABELS; do
    for S in $SEEDS; do
        nice -n 5 "$B/gmdl" ssvae train --data "$DATA" --labels "$L" --classifier-only --epochs 2 \
            --seed "$S" --threads 2 --out "$OUT/b.gss" --json -q > "$OUT/b.json" || exit 1
        nice -n 5 "$B/gmdl" ssvae train --data "$DATA" --labels "$L" --epochs "$EPOCHS" \
            --seed "$S" --threads 2 --out "$OUT/m.gss" --json -q > "$OUT/m.json" || exit 1
        echo "labels $L seed $S baseline $(field "$OUT/b.json" test_error) M2 $(field "$OUT/m.json" test_error) ($EPOCHS epochs, $(field "$OUT/m.json" seconds_per_epoch) s per epoch)"
    done
done
