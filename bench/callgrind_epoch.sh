#!/usr/bin/env bash
# Instruction counts of one training epoch (gmdl_model_train_epoch: shuffling and every step),
# which machine noise does not move: lenet300 dense and svd, lenet5 dense, on a synthetic IDX set
# of 2,000 28x28 images, one thread, under valgrind --tool=callgrind.
#
#   bench/callgrind_epoch.sh GMDL MAKE_IDX OUTDIR      prints "config instructions" per line
# Compare two builds by running it for each on the same machine.
set -euo pipefail
if [ $# -ne 3 ]; then
    sed -n '2,7p' "$0" >&2
    exit 2
fi
gmdl=$1 mkidx=$2 out=$3
mkdir -p "$out/data"
"$mkidx" "$out/data" 2000 100
for cfg in "lenet300 dense" "lenet300 svd" "lenet5 dense"; do
    set -- $cfg
    tag="$1-$2"
    valgrind --tool=callgrind --callgrind-out-file="$out/$tag.callgrind" \
        --toggle-collect=gmdl_model_train_epoch "$gmdl" train --arch "$1" --method "$2" \
        --data "$out/data" --epochs 1 --kl-warmup-start 0 --threads 1 --seed 1 \
        --out "$out/$tag.gmdl" --quiet > /dev/null 2> "$out/$tag.log"
    echo "$tag $(callgrind_annotate "$out/$tag.callgrind" 2> /dev/null |
        awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')"
done
