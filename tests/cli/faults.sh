# The command line under allocation fault injection (docs/RELIABILITY.md): for each command, a run
# with nothing failing counts the library's allocations, then runs with allocation N failing
# (every N below 16, then evenly spaced: at most 16 + GMDL_FAULT_RUNS runs per command, default 24;
# tests/faults/ sweeps every N of the library calls behind these commands)
# must each exit 1 with "out of memory" on the last line of stderr, print nothing on stdout, and
# leave no output file and no temporary beside it, except a checkpoint written before the failure
# (train, vae train), which must then be valid. A run whose failure point was never reached
# (the count varies with nothing) must succeed. Under the sanitizers, a leak fails the exit code.
. "$(dirname "$0")/lib.sh"
SRC=${4:?usage: faults.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR GMDL_FAULTS}
FAULTS=${5:?usage: faults.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR GMDL_FAULTS}
MAX_RUNS=${GMDL_FAULT_RUNS:-24}
DATA=$SRC/tests/data
BIF=$DATA/bif/asia.bif
UAI=$SRC/tests/pgm/fixtures/small.uai
SCHOOLS=$DATA/posteriors/eight_schools-eight_schools_noncentered/data.json
for f in "$BIF" "$UAI" "$SCHOOLS" "$DATA/em/faithful.csv" "$DATA/survival/rossi.csv"; do
    [ -r "$f" ] || { bad "missing test data $f"; finish; }
done
D=$WORK/data
mkdir -p "$D" "$WORK/out"
"$MAKE_IDX" "$D" 60 20 || { bad "make_idx failed"; finish; }
O=$WORK/out
M=$WORK/m.gmdl
$GMDL train --arch mlp:8 --method svd --epochs 1 --batch 20 --data "$D" --out "$M" -q --threads 1 > /dev/null ||
    { bad "training the model for the sweep failed"; finish; }
$GMDL bn sample "$BIF" --n 50 --missing 0.2 > "$WORK/asia.csv"

# name | outputs that must be absent after a failure (A:path) or absent or valid (V:path) | command
cases=(
    "train|V:$O/t.gmdl|train --arch mlp:8 --method svd --epochs 1 --batch 20 --data $D --out $O/t.gmdl --threads 1"
    "eval|-|eval $M --data $D --mc 2 --threads 1"
    "compress|A:$O/c.gmz|compress $M --data $D --out $O/c.gmz --threads 1"
    "predict|A:$O/p.csv|predict $M --data $D --mc 2 --out $O/p.csv --threads 1"
    "info|-|info $M"
    "bn-query|-|bn query $BIF --target lung --evidence smoke=yes"
    "bn-learn|A:$O/l.bif|bn learn $BIF --data $WORK/asia.csv --out $O/l.bif --threads 1"
    "mrf-mar|-|mrf mar $UAI"
    "sample-hmc|-|sample --model eight-schools --data $SCHOOLS --method hmc --n 20 --warmup 20 --chains 2 --threads 1"
    "em-gmm|-|em gmm --data $DATA/em/faithful.csv -k 2 --x waiting"
    "vae-train|V:$O/v.gvae|vae train --data $D --latent 2 --hidden 8 --batch 20 --epochs 1 --test-passes 1 --out $O/v.gvae --threads 1"
    "ssvae-train|A:$O/s.gss|ssvae train --data $D --labels 10 --hidden 8 --latent 2 --batch 10 --epochs 1 --out $O/s.gss --threads 1"
    "cox|A:$O/x.gmdl|cox --data $DATA/survival/rossi.csv --time week --event arrest --out $O/x.gmdl"
)
total_runs=0
for c in "${cases[@]}"; do
    name=${c%%|*}
    rest=${c#*|}
    outs=${rest%%|*}
    # shellcheck disable=SC2206 # the command line is split on purpose
    args=(${rest#*|})
    rm -f "$O"/*
    if GMDL_FAULT_REPORT=$WORK/rep "$FAULTS" "${args[@]}" > /dev/null 2> "$WORK/err"; then ok; else bad "$name fails with nothing failing: $(tail -1 "$WORK/err")"; continue; fi
    read -r total _ < "$WORK/rep"
    stride=$(( (total - 16) / MAX_RUNS + 1 ))
    [ "$stride" -lt 1 ] && stride=1
    n=0 runs=0 fails=0
    while [ "$n" -lt "$total" ]; do
        rm -f "$O"/*
        GMDL_FAULT_AT=$n GMDL_FAULT_REPORT=$WORK/rep "$FAULTS" "${args[@]}" > "$WORK/out.txt" 2> "$WORK/err"
        rc=$?
        read -r _ hit < "$WORK/rep" || hit=0
        why=
        if [ "$hit" = 1 ]; then
            [ "$rc" = 1 ] || why="exit $rc, not 1"
            tail -1 "$WORK/err" | grep -q "out of memory" || why="$why; last stderr line: $(tail -1 "$WORK/err")"
            [ -s "$WORK/out.txt" ] && why="$why; wrote to stdout: $(head -c 200 "$WORK/out.txt")"
            for o in ${outs//,/ }; do
                [ "$o" = - ] && continue
                f=${o#?:}
                if [ -e "$f" ]; then
                    if [ "${o%%:*}" = A ]; then why="$why; left $f"; elif ! $GMDL info "$f" > /dev/null 2>&1 && ! $GMDL vae sample "$f" --n 1 --out "$WORK/chk.png" > /dev/null 2>&1; then why="$why; left an invalid $f"; fi
                fi
            done
            ls "$O" | grep -q '\.tmp\.' && why="$why; left a temporary: $(ls "$O")"
        elif [ "$rc" != 0 ]; then
            why="exit $rc with no allocation failed: $(tail -1 "$WORK/err")"
        fi
        if [ -n "$why" ]; then
            fails=$((fails + 1))
            [ "$fails" -le 3 ] && echo "$name: allocation $n of $total: ${why#; }" >&2
        fi
        runs=$((runs + 1))
        if [ "$n" -lt 16 ]; then n=$((n + 1)); else n=$((n + stride)); fi
    done
    total_runs=$((total_runs + runs))
    echo "$name: $total allocations, $runs runs, $fails bad"
    if [ "$fails" = 0 ]; then ok; else bad "$name: $fails of $runs fault runs misbehaved"; fi
done
echo "fault runs: $total_runs"
finish
