#!/usr/bin/env bash
# Issue 19, acceptance 1 for one model file: the float export against gmdl predict on every test
# image (same class, probabilities within 1e-4), and the int8 export's test error against the
# float export's. Prints one line: model, images, class mismatches, largest probability
# difference, gmdl's error, the float and the int8 export's errors (percent), const bytes.
#   bench/export_accept.sh GMDL MODEL WORK [DATA_DIR]
# DATA_DIR (default /usr/share/datasets/fashion-mnist) needs the t10k pair; it is decompressed
# into WORK for the harness. int8 calibrates on the first 1000 training images.
set -eu
GMDL=$1 MODEL=$2 WORK=$3 DATA=${4:-/usr/share/datasets/fashion-mnist}
SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK/f" "$WORK/i"
IDX=$WORK/t10k-images-idx3-ubyte
[ -f "$IDX" ] || { if [ -f "$DATA/t10k-images-idx3-ubyte" ]; then cp "$DATA/t10k-images-idx3-ubyte" "$IDX"; else zcat "$DATA/t10k-images-idx3-ubyte.gz" > "$IDX"; fi; }
"$GMDL" predict "$MODEL" --data "$DATA" --out "$WORK/ref.csv" --quiet > /dev/null
"$GMDL" export "$MODEL" --c "$WORK/f" --json > "$WORK/f.json"
"$GMDL" export "$MODEL" --c "$WORK/i" --arith int8 --calibrate 1000 --data "$DATA" --json > "$WORK/i.json"
for a in f i; do
    cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$WORK/$a" "$SRC/tests/export/harness.c" "$WORK/$a/gmdl_net.c" -lm -o "$WORK/$a/h"
    "$WORK/$a/h" "$IDX" 1000000 u8 > "$WORK/$a.csv"
done
rf=$(awk -f "$SRC/tests/export/compare.awk" "$WORK/ref.csv" "$WORK/f.csv")
ri=$(awk -f "$SRC/tests/export/compare.awk" "$WORK/ref.csv" "$WORK/i.csv")
wb=$(grep -o '"weights_bytes": [0-9]*' "$WORK/f.json" | cut -d' ' -f2)
echo "$(basename "$MODEL") float: $rf | int8: err_int8=$(sed -E 's/.*err_exp=([^ ]*).*/\1/' <<< "$ri") | weights_bytes=$wb"
