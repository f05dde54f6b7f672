#!/usr/bin/env bash
# Same-run speed comparison of two builds (a refactoring must not slow training): one epoch of
# Fashion-MNIST for lenet300 dense, lenet300 svd and lenet5 dense, builds interleaved, REPS
# repeats; prints each build's median seconds_per_epoch (gmdl train's own timing of the epoch's
# shuffling and steps) and the ratio after / before.
#
#   bench/speed_ab.sh GMDL_BEFORE GMDL_AFTER [REPS=5] [THREADS=2] [DATA=/usr/share/datasets/fashion-mnist]
set -euo pipefail
if [ $# -lt 2 ]; then
    sed -n '2,7p' "$0" >&2
    exit 2
fi
before=$1 after=$2 reps=${3:-5} threads=${4:-2} data=${5:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for cfg in "lenet300 dense" "lenet300 svd" "lenet5 dense"; do
    set -- $cfg
    for r in $(seq "$reps"); do
        for b in before after; do
            bin=$before
            [ $b = after ] && bin=$after
            "$bin" train --arch "$1" --method "$2" --epochs 1 --kl-warmup-start 0 --threads "$threads" \
                --data "$data" --seed "$r" --out "$tmp/m.gmdl" --json --quiet |
                grep -o '"seconds_per_epoch": [0-9.eE+-]*' | sed 's/.*: //' >> "$tmp/$1-$2-$b"
        done
    done
    mb=$(median < "$tmp/$1-$2-before") ma=$(median < "$tmp/$1-$2-after")
    echo "$1 $2: before $mb s, after $ma s, after/before $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')" \
        "(runs before: $(tr '\n' ' ' < "$tmp/$1-$2-before")| after: $(tr '\n' ' ' < "$tmp/$1-$2-after"))"
done
