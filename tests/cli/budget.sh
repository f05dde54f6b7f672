# gmdl train --val and gmdl compress --max-error / --max-increase (issue 20): the split is
# recorded in the model; the budget search reads only it, so a test set replaced by garbage gives
# the same thresholds and bits; the reported test error is the .gmz's as gmdl eval measures it;
# --pareto writes the curve; the bad combinations exit 2; a model without --val loads as before.
. "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 1200 300 || exit 1
run() { "$@" > "$WORK/out" 2> "$WORK/err"; }
TR="--arch mlp:32-16 --epochs 4 --kl-warmup-start 0 --kl-warmup-epochs 2 --batch 50 --threads 2"
run $GMDL train $TR --method bc-gnj --val 300 --data "$D" --out "$WORK/b.gmdl" --json &&
    ok || bad "train --val failed: $(cat "$WORK/err")"
grep -q "300 of 1200 training images held out" "$WORK/err" && ok || bad "train did not say what it held out"
# the split is recorded: --resume with another --val is refused, with the same one accepted
run $GMDL train $TR --method bc-gnj --val 200 --data "$D" --out "$WORK/b.gmdl" --resume
[ $? = 2 ] && grep -q -- "--val differs" "$WORK/err" && ok || bad "resume with another --val: $(cat "$WORK/err")"
run $GMDL train $TR --method bc-gnj --val 1200 --data "$D" --out "$WORK/all.gmdl"
[ $? = 2 ] && grep -q "no training image" "$WORK/err" && ok || bad "--val of every image: $(cat "$WORK/err")"

budget() { grep -o '"budget": {[^}]*}' "$1"; }
run $GMDL compress "$WORK/b.gmdl" --data "$D" --out "$WORK/b.gmz" --max-error 0.3 \
    --pareto "$WORK/p.csv" --json && ok || bad "compress --max-error failed: $(cat "$WORK/err")"
cp "$WORK/out" "$WORK/b.json"
budget "$WORK/b.json" > "$WORK/b.budget" && ok || bad "no budget object in $(cat "$WORK/b.json")"
grep -q '"thresholds": \[' "$WORK/b.budget" && grep -q '"significand_bits": \[' "$WORK/b.budget" &&
    ok || bad "budget object lacks thresholds or bits: $(cat "$WORK/b.budget")"
run $GMDL eval "$WORK/b.gmz" --data "$D" --json && ok || bad "eval of the budget .gmz failed"
[ "$(json_field "$WORK/b.json" test_error)" = "$(json_field "$WORK/out" test_error)" ] &&
    ok || bad "compress reports $(json_field "$WORK/b.json" test_error), eval $(json_field "$WORK/out" test_error)"
vb=$(json_field "$WORK/b.budget" val_bound)
awk -v b="$vb" 'BEGIN { exit !(b <= 0.3) }' && ok || bad "the chosen bound $vb exceeds the budget 0.3"
# the curve: a header, one row per accepted point, exactly one chosen
[ "$(head -1 "$WORK/p.csv" | cut -d, -f1-4)" = "point,phase,chosen,val_error" ] && ok || bad "pareto header: $(head -1 "$WORK/p.csv")"
[ "$(tail -n +2 "$WORK/p.csv" | cut -d, -f3 | grep -c '^1$')" = 1 ] && ok || bad "pareto: not one chosen row"
[ "$(tail -n +2 "$WORK/p.csv" | wc -l)" -ge 2 ] && ok || bad "pareto: fewer than two points"

# the test set replaced by garbage (other images, every label 7): the same search result
G=$WORK/garbage
mkdir -p "$G"
cp "$D"/train-* "$G"/
{ head -c 16 "$D/t10k-images-idx3-ubyte"; tail -c +17 "$D/train-images-idx3-ubyte" | head -c 235200; } > "$G/t10k-images-idx3-ubyte"
{ head -c 8 "$D/t10k-labels-idx1-ubyte"; head -c 300 /dev/zero | tr '\0' '\7'; } > "$G/t10k-labels-idx1-ubyte"
run $GMDL compress "$WORK/b.gmdl" --data "$G" --out "$WORK/g.gmz" --max-error 0.3 --json &&
    ok || bad "compress with a garbage test set failed: $(cat "$WORK/err")"
budget "$WORK/out" > "$WORK/g.budget"
cmp -s "$WORK/b.budget" "$WORK/g.budget" && ok ||
    bad "the test set changed the search: $(cat "$WORK/b.budget") vs $(cat "$WORK/g.budget")"
[ "$(json_field "$WORK/b.json" test_error)" != "$(json_field "$WORK/out" test_error)" ] &&
    ok || bad "the garbage test set gave the same test error: the check cannot tell"

# --max-increase, a JSON and a PNG curve
run $GMDL compress "$WORK/b.gmdl" --data "$D" --out "$WORK/i.gmz" --max-increase 0.02 \
    --pareto "$WORK/p.json" --json && ok || bad "compress --max-increase failed: $(cat "$WORK/err")"
grep -q '"max_increase": 0.02' "$WORK/out" && grep -q '"points": \[' "$WORK/p.json" &&
    ok || bad "--max-increase report or JSON curve wrong"
run $GMDL compress "$WORK/b.gmdl" --data "$D" --out "$WORK/i.gmz" --max-error 0.3 --pareto "$WORK/p.png" -q &&
    [ "$(head -c 4 "$WORK/p.png" | tail -c 3)" = PNG ] && ok || bad "--pareto FILE.png: $(cat "$WORK/err")"

# bad usage: no split, both budgets, --threshold with a budget, --pareto alone
run $GMDL train $TR --method bc-gnj --data "$D" --out "$WORK/n.gmdl" && ok || bad "train without --val failed"
run $GMDL compress "$WORK/n.gmdl" --data "$D" --out "$WORK/n.gmz" --max-error 0.3
[ $? = 2 ] && grep -q "gmdl train --val N" "$WORK/err" && ok || bad "no split: $(cat "$WORK/err")"
for bad_args in "--max-error 0.3 --max-increase 0.01" "--max-error 0.3 --threshold 1" "--pareto $WORK/x.csv"; do
    run $GMDL compress "$WORK/b.gmdl" --data "$D" --out "$WORK/x.gmz" $bad_args
    [ $? = 2 ] && ok || bad "compress $bad_args did not exit 2"
done
# without the new options compress is as before: the default thresholds, no budget object
run $GMDL compress "$WORK/b.gmdl" --data "$D" --out "$WORK/d.gmz" --json && ok || bad "plain compress failed"
grep -q '"budget"' "$WORK/out" && bad "plain compress reports a budget" || ok
finish
