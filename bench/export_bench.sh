#!/usr/bin/env bash
# Issue 19, acceptance 4: time per image on one core, batch 1, images in memory, of the exported
# LeNet-300-100 svd net and the exported dense net (tests/export/harness.c in "time" mode, cc -O2,
# the uint8 entry point over the 10,000 test images), and gmdl's own forward pass of the dense
# model (export_eval_time: gmdl_model_evaluate, OMP_NUM_THREADS=1, batches of 256). Medians of R
# runs; prints one line per net in seconds per image.
#   bench/export_bench.sh GMDL EXPORT_EVAL_TIME SVD.gmz DENSE.gmdl WORK [R] [DATA_DIR]
set -eu
GMDL=$1 EVT=$2 SVD=$3 DENSE=$4 WORK=$5 R=${6:-5} DATA=${7:-/usr/share/datasets/fashion-mnist}
SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK"
IDX=$WORK/t10k-images-idx3-ubyte
[ -f "$IDX" ] || zcat "$DATA/t10k-images-idx3-ubyte.gz" > "$IDX"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for n in svd dense; do
    m=$SVD
    [ $n = dense ] && m=$DENSE
    mkdir -p "$WORK/$n"
    "$GMDL" export "$m" --c "$WORK/$n" --quiet
    cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$WORK/$n" "$SRC/tests/export/harness.c" \
        "$WORK/$n/gmdl_net.c" -lm -o "$WORK/$n/h"
    t=$(for r in $(seq "$R"); do "$WORK/$n/h" "$IDX" 10000 time 1 | cut -d' ' -f1; done | median)
    echo "export $n: $t s/image"
done
t=$(for r in $(seq "$R"); do OMP_NUM_THREADS=1 "$EVT" "$DENSE" "$DATA" 1 | cut -d' ' -f1; done | median)
echo "gmdl eval dense (1 thread): $t s/image"
