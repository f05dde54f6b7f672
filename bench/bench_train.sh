#!/usr/bin/env bash
# Training speed, gmdl vs PyTorch in the same run: LeNet-300-100 or LeNet-5-Caffe (batch 100,
# Adam, 2 threads). Seconds per epoch cover shuffling and every training step (evaluation
# excluded) for both. Each configuration runs REPEATS times (interleaved); medians and ratios.
#
#   bench/bench_train.sh [--arch lenet300|lenet5] [--epochs E] [--repeats R] [--gmdl PATH]
#                        [--anchors DIR] [--model dense|svd] [--torch-steps S]
#
# --torch-steps S: time only S steps of each PyTorch epoch and extrapolate (lenet5_train.py's
# --max_steps; PyTorch's LeNet-5 epoch takes about half a minute here).
# Needs: python3-torch python3-numpy libopenblas0-openmp (Debian), /usr/bin/python3.
# PyTorch "best" = the configuration of ../shared/anchors/pytorch/README.md:
#   OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=.../openblas-openmp OMP_NUM_THREADS=2 ... --ftz
# PyTorch "as installed" = /usr/bin/python3 with no tuning variables set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=lenet300
epochs=3
repeats=3
tsteps=600
gmdl=$here/../build/gmdl
anchors=$here/../../shared/anchors/pytorch
model=dense
data=/usr/share/datasets/fashion-mnist
while [ $# -gt 0 ]; do
    case $1 in
        --epochs) epochs=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --gmdl) gmdl=$2; shift 2 ;;
        --anchors) anchors=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --arch) arch=$2; shift 2 ;;
        --torch-steps) tsteps=$2; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "bench_train.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -x "$gmdl" ] || { echo "bench_train.sh: $gmdl not found (build first)" >&2; exit 2; }
case $arch in
    lenet300) script=mlp_train.py; extra=() ;;
    lenet5) script=lenet5_train.py; extra=(--max_steps "$tsteps") ;;
    *) echo "bench_train.sh: --arch must be lenet300 or lenet5" >&2; exit 2 ;;
esac
[ -f "$anchors/$script" ] || { echo "bench_train.sh: $anchors/$script not found (--anchors)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
obl=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -e "$obl/libblas.so.3" ] || { echo "bench_train.sh: PyTorch's BEST configuration needs OpenBLAS built with OpenMP ($obl is missing: apt-get install libopenblas0-openmp); without it PyTorch runs on Debian's reference BLAS, about 15x slower, and the comparison means nothing" >&2; exit 1; }

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)" >&2
echo "gmdl: $("$gmdl" --version); torch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')" >&2
for r in $(seq 1 "$repeats"); do
    [ -x "$anchors/wait_quiet.sh" ] && "$anchors/wait_quiet.sh" 60 >&2 || true
    "$gmdl" train --arch "$arch" --method "$model" --epochs "$epochs" --threads 2 --data "$data" \
        --out "$out/m.gmdl" --json --quiet > "$out/gmdl.json"
    grep -o '"seconds_per_epoch": [0-9.eE+-]*' "$out/gmdl.json" | sed 's/.*: //' >> "$out/gmdl.t"
    env OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=$obl OMP_NUM_THREADS=2 /usr/bin/python3 \
        "$anchors/$script" --model "$model" --threads 2 --ftz --epochs "$epochs" "${extra[@]}" > "$out/best.log"
    grep '"event": "end"' "$out/best.log" | grep -o '"median[_a-z]*epoch_s": [0-9.eE+-]*' | tail -1 | sed 's/.*: //' >> "$out/best.t"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS /usr/bin/python3 \
        "$anchors/$script" --model "$model" --threads 2 --epochs "$epochs" "${extra[@]}" > "$out/inst.log"
    grep '"event": "end"' "$out/inst.log" | grep -o '"median[_a-z]*epoch_s": [0-9.eE+-]*' | tail -1 | sed 's/.*: //' >> "$out/inst.t"
    echo "repeat $r: gmdl $(tail -1 "$out/gmdl.t") s, torch best $(tail -1 "$out/best.t") s, torch as installed $(tail -1 "$out/inst.t") s" >&2
done
g=$(median < "$out/gmdl.t")
b=$(median < "$out/best.t")
i=$(median < "$out/inst.t")
printf '%s %s, batch 100, 2 threads, %s epochs x %s repeats (median s/epoch)\n' "$arch" "$model" "$epochs" "$repeats"
[ "$tsteps" != 600 ] && printf '  (PyTorch epochs extrapolated from %s timed steps each)\n' "$tsteps"
printf '  gmdl                    %.3f\n' "$g"
printf '  PyTorch best config     %.3f   ratio %.2fx\n' "$b" "$(awk -v a="$b" -v c="$g" 'BEGIN{print a/c}')"
printf '  PyTorch as installed    %.3f   ratio %.2fx\n' "$i" "$(awk -v a="$i" -v c="$g" 'BEGIN{print a/c}')"
