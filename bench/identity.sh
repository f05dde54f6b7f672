#!/usr/bin/env bash
# Refactoring guard: trains every method for a few epochs on a small synthetic IDX set, compresses
# the Bayesian ones, and records each file's SHA-256 and each model's evaluation, so that two
# builds (before and after a change) can be compared byte for byte.
#
#   bench/identity.sh make GMDL MAKE_IDX OUTDIR     train, compress, evaluate into OUTDIR
#   bench/identity.sh check GMDL OLDDIR NEWDIR      NEWDIR's files must equal OLDDIR's, and GMDL
#                                                   must evaluate OLDDIR's files (written by the
#                                                   older build) to the numbers recorded there
# Exit 0 when everything matches; the differences are listed otherwise. Same machine and thread
# count for both builds (the SIMD kernel and the thread slicing are part of the result).
set -euo pipefail
mode=${1:-}
methods=(dense dropout svd bbb vd bc-gnj bc-ghs)
archs=("mlp:64-32" "cnn:c4k5-p2-d32")
tag() { echo "$1" | tr ':' '_' | tr -cd 'A-Za-z0-9_.-'; }
evaluate() { # gmdl model data -> one line of numbers (the mean_* uncertainty keys, which older
    # builds do not report, are left out)
    "$1" eval "$2" --data "$3" --threads 2 --json 2> /dev/null |
        sed -E 's/"(seconds|[a-z_]*seconds[a-z_]*)": *[0-9.eE+-]+,?//g; s/"mean_[a-z_]*": *[0-9.eE+-]+, *//g'
}
case "$mode" in
make)
    gmdl=$2 mkidx=$3 out=$4
    mkdir -p "$out"
    mkdir -p "$out/data"
    "$mkidx" "$out/data" 2000 500
    : > "$out/eval.txt"
    for a in "${archs[@]}"; do
        for m in "${methods[@]}"; do
            f="$out/$(tag "$a")-$m.gmdl"
            "$gmdl" train --arch "$a" --method "$m" --data "$out/data" --epochs 3 --kl-warmup-start 0 \
                --kl-warmup-epochs 2 --threads 2 --seed 7 --out "$f" --quiet > /dev/null
            case $m in dense | dropout) ;; *) "$gmdl" compress "$f" --out "${f%.gmdl}.gmz" > /dev/null ;; esac
        done
        f="$out/$(tag "$a")-sws.gmdl"
        "$gmdl" train --arch "$a" --method sws --init "$out/$(tag "$a")-dense.gmdl" --data "$out/data" \
            --epochs 3 --sws-harden 0.5,1 --threads 2 --seed 7 --out "$f" --quiet > /dev/null
        "$gmdl" compress "$f" --out "${f%.gmdl}.gmz" > /dev/null
    done
    for f in "$out"/*.gmdl "$out"/*.gmz; do
        echo "$(basename "$f") $(evaluate "$gmdl" "$f" "$out/data")" >> "$out/eval.txt"
    done
    (cd "$out" && sha256sum ./*.gmdl ./*.gmz > sha256.txt)
    echo "identity: $(wc -l < "$out/sha256.txt") files in $out"
    ;;
check)
    gmdl=$2 old=$3 new=$4 bad=0
    if ! diff <(cd "$old" && cat sha256.txt) <(cd "$new" && cat sha256.txt); then
        echo "identity: files differ (above: < before, > after)"
        bad=1
    fi
    while read -r name rest; do
        now=$(evaluate "$gmdl" "$old/$name" "$old/data")
        if [ "$now" != "$rest" ]; then
            echo "identity: $name evaluates differently: was $rest, now $now"
            bad=1
        fi
    done < "$old/eval.txt"
    [ $bad = 0 ] && echo "identity: $(wc -l < "$old/sha256.txt") files identical, old files evaluate the same"
    exit $bad
    ;;
*)
    sed -n '2,11p' "$0" >&2
    exit 2
    ;;
esac
