# gmdl compress on a net with more weight layers than the old fixed arrays held (16): 16 hidden
# layers and the output layer, trained with svd (per weight) and bc-gnj (groups, structured),
# a threshold per layer for all 17, and the .gmz runs with the error compress reports.
. "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 600 200 || exit 1
H=mlp:24-16-16-16-16-16-16-16-16-16-16-16-16-16-16-16
# layers listed in a report: one "name" per layer object, after the model's "model" key
nlayers() { grep -o '"name":' "$1" | wc -l; }
for m in svd bc-gnj; do
    $GMDL train --arch $H --method $m --epochs 2 --kl-warmup-start 0 --kl-warmup-epochs 1 \
        --batch 50 --data "$D" --threads 2 --seed 3 --out "$WORK/$m.gmdl" --quiet > /dev/null 2> "$WORK/$m.err" &&
        ok || bad "train $m on 17 layers failed: $(cat "$WORK/$m.err")"
    $GMDL compress "$WORK/$m.gmdl" --data "$D" --out "$WORK/$m.gmz" --json > "$WORK/$m.json" 2> "$WORK/$m.cerr" &&
        ok || bad "compress $m of 17 layers failed: $(cat "$WORK/$m.cerr")"
    [ "$(nlayers "$WORK/$m.json")" = 17 ] && ok || bad "$m: compress reports $(nlayers "$WORK/$m.json") layers, not 17"
    $GMDL eval "$WORK/$m.gmz" --data "$D" --json > "$WORK/$m.e.json" && ok || bad "eval of the 17-layer $m .gmz failed"
    [ "$(json_field "$WORK/$m.json" test_error)" = "$(json_field "$WORK/$m.e.json" test_error)" ] &&
        ok || bad "$m: the .gmz's error differs from compress's"
done
# a threshold for each of the 17 layers: the last one (-100) prunes the whole output layer's
# weights, the others (100) keep every weight
T=$(printf '100,%.0s' $(seq 16))-100
$GMDL compress "$WORK/svd.gmdl" --data "$D" --out "$WORK/t.gmz" --threshold "$T" --json > "$WORK/t.json" 2> "$WORK/t.err" &&
    ok || bad "compress with 17 thresholds failed: $(cat "$WORK/t.err")"
grep -o '"threshold": [-0-9.e+]*' "$WORK/t.json" | sort | uniq -c | tr -s ' ' > "$WORK/t.count"
grep -q "^ 16 \"threshold\": 100$" "$WORK/t.count" && grep -q "^ 1 \"threshold\": -100$" "$WORK/t.count" &&
    ok || bad "per-layer thresholds not applied: $(cat "$WORK/t.count")"
tail_nonzero=$(grep -o '"nonzero": [0-9]*' "$WORK/t.json" | tail -1 | sed 's/.*: //')
[ "$tail_nonzero" = 0 ] && ok || bad "the output layer kept $tail_nonzero weights at threshold -100"
first=$(grep -o '"nonzero": [0-9]*, "total": [0-9]*' "$WORK/t.json" | head -1 | sed -E 's/.*: ([0-9]+), .*: ([0-9]+)/\1 \2/')
set -- $first
[ "$1" = "$2" ] && ok || bad "threshold 100 pruned weights of the first layer ($1 of $2 kept)"
# more thresholds than layers is not an error (the rest are unused); a bad list is
$GMDL compress "$WORK/svd.gmdl" --data "$D" --out "$WORK/u.gmz" --threshold "$T,3,3" --quiet > /dev/null && ok ||
    bad "compress with more thresholds than layers failed"
$GMDL compress "$WORK/svd.gmdl" --data "$D" --out "$WORK/v.gmz" --threshold "3,,3" > /dev/null 2>&1
[ $? = 2 ] && ok || bad "an empty threshold in the list did not exit 2"
finish
