#!/bin/bash
# VAE seconds per epoch: gmdl (`gmdl vae train`, 784-400-20, batch 100, Adam, fixed binarisation)
# against the PyTorch reference ../shared/anchors/pytorch/vae_train.py in its BEST configuration
# (OpenBLAS-OpenMP with OPENBLAS_CORETYPE=SkylakeX, --ftz; ../shared/anchors/pytorch/README.md),
# 2 threads each, interleaved repeats on the same machine. Each run's figure is its median epoch;
# the script prints one JSON line per run, then the medians over the repeats and the ratio.
#   usage: bench/vae_bench.sh [REPEATS] [EPOCHS] [GMDL]
# Defaults: 3 repeats of 3 epochs, build/gmdl. Data: /usr/share/datasets/fashion-mnist (both).
# Set WAIT_QUIET=1 to wait (up to 120 s) for an idle machine before each run. OMP_WAIT_POLICY, if
# set, is passed to both (on a machine shared with other jobs, `passive` avoids OpenMP threads
# spinning against descheduled partners, which slows both programs by orders of magnitude).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
R=${1:-3}
E=${2:-3}
[ "$E" -ge 2 ] || { echo "vae_bench: EPOCHS must be at least 2 (vae_train.py reports medians of several epochs)" >&2; exit 2; }
GMDL=${3:-$here/../build/gmdl}
ANCHOR_DIR=$here/../../shared/anchors/pytorch
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if ! /usr/bin/python3 -c 'import torch' 2> /dev/null; then
    echo "vae_bench: /usr/bin/python3 cannot import torch (apt-get install python3-torch)" >&2
    exit 1
fi
obl=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -e "$obl/libblas.so.3" ] || { echo "vae_bench: PyTorch's BEST configuration needs OpenBLAS built with OpenMP ($obl is missing: apt-get install libopenblas0-openmp); without it PyTorch runs on Debian's reference BLAS, about 15x slower, and the comparison means nothing" >&2; exit 1; }
quiet() { [ "${WAIT_QUIET:-0}" = 1 ] && "$ANCHOR_DIR/wait_quiet.sh" 120 >&2 || true; }
med() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
: > "$TMP/g"
: > "$TMP/p"
for r in $(seq 1 "$R"); do
    quiet
    g=$(OMP_NUM_THREADS=2 "$GMDL" vae train --epochs "$E" --threads 2 --test-passes 1 -q --json \
        --out "$TMP/v.gvae" | grep -o '"seconds_per_epoch": [0-9.eE+-]*' | sed 's/.*: //')
    echo "{\"impl\": \"gmdl\", \"repeat\": $r, \"seconds_per_epoch\": $g, \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\"}"
    echo "$g" >> "$TMP/g"
    quiet
    p=$(cd "$ANCHOR_DIR" && env OPENBLAS_CORETYPE=SkylakeX \
        LD_LIBRARY_PATH=$obl OMP_NUM_THREADS=2 \
        /usr/bin/python3 vae_train.py --epochs "$E" --threads 2 --ftz |
        grep -o '"median_all_epoch_s": [0-9.eE+-]*' | sed 's/.*: //')
    echo "{\"impl\": \"pytorch\", \"repeat\": $r, \"seconds_per_epoch\": $p, \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\"}"
    echo "$p" >> "$TMP/p"
done
gm=$(med < "$TMP/g")
pm=$(med < "$TMP/p")
awk -v g="$gm" -v p="$pm" 'BEGIN{printf "{\"gmdl_median_s\": %s, \"pytorch_median_s\": %s, \"speedup\": %.2f}\n", g, p, p / g}'
