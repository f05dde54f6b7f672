# gmdl eval --mc / predict / ood / data transform on a small synthetic set: --mc refused where
# nothing is stochastic (exit 2, saying why), the predict CSV (columns, rows, agreement with
# eval), transforms (four quarter turns give the images back), ood's JSON.
. "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 600 200 || exit 1
B="--arch mlp:32 --epochs 2 --batch 20 --data $D --threads 2 --quiet"
$GMDL train $B --method dense --out "$WORK/d.gmdl" > /dev/null && ok || bad "dense training failed"
$GMDL train $B --method svd --kl-warmup-start 0 --kl-warmup-epochs 1 --out "$WORK/s.gmdl" > /dev/null && ok || bad "svd training failed"
$GMDL compress "$WORK/s.gmdl" --data "$D" --out "$WORK/s.gmz" --quiet > /dev/null && ok || bad "compress failed"
expect_fail 2 "no stochastic layer" -- $GMDL eval "$WORK/d.gmdl" --data "$D" --mc 5
expect_fail 2 "keeps only the pruned, quantised posterior means" -- $GMDL eval "$WORK/s.gmz" --data "$D" --mc 5
expect_fail 2 "no stochastic layer" -- $GMDL predict "$WORK/d.gmdl" --data "$D" --mc 5 --out "$WORK/x.csv"
expect_fail 2 "out FILE.csv is required" -- $GMDL predict "$WORK/d.gmdl" --data "$D"
# eval --mc on the svd net: the uncertainty keys, mutual information > 0
$GMDL eval "$WORK/s.gmdl" --data "$D" --mc 8 --json > "$WORK/e.json" && ok || bad "eval --mc failed"
for k in test_accuracy nll ece brier mean_entropy mean_expected_entropy mean_mutual_information; do
    grep -q "\"$k\":" "$WORK/e.json" && ok || bad "eval --json lacks $k"
done
awk -v m="$(json_field "$WORK/e.json" mean_mutual_information)" 'BEGIN{exit !(m > 0)}' && ok || bad "mutual information not > 0: $(cat "$WORK/e.json")"
# predict: one row per test image with the documented columns; its accuracy is eval's
$GMDL predict "$WORK/s.gmdl" --data "$D" --mc 8 --out "$WORK/p.csv" --json > "$WORK/p.json" && ok || bad "predict failed"
[ "$(head -1 "$WORK/p.csv")" = "index,label,pred,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,entropy,expected_entropy,mutual_information" ] && ok || bad "predict header: $(head -1 "$WORK/p.csv")"
[ "$(wc -l < "$WORK/p.csv")" = 201 ] && ok || bad "predict rows: $(wc -l < "$WORK/p.csv")"
[ "$(json_field "$WORK/p.json" test_accuracy)" = "$(json_field "$WORK/e.json" test_accuracy)" ] && ok || bad "predict accuracy differs from eval's"
awk -v a="$(json_field "$WORK/p.json" mean_entropy)" -v b="$(json_field "$WORK/e.json" mean_entropy)" 'BEGIN{d = a - b; exit !(d < 1e-9 && d > -1e-9 && a > 0)}' && ok || bad "predict mean entropy differs from eval's"
$GMDL predict "$WORK/s.gmz" --data "$D/t10k-images-idx3-ubyte" --out "$WORK/q.csv" --quiet > /dev/null && ok || bad "predict on an image file failed"
[ "$(head -1 "$WORK/q.csv")" = "index,pred,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,entropy" ] && ok || bad "unlabelled predict header: $(head -1 "$WORK/q.csv")"
# transforms: four quarter turns give the images back; noise is reproducible
cur=$D
for t in 1 2 3 4; do
    $GMDL data transform --data "$cur" --out "$WORK/r$t" --op rotate90 --quiet > /dev/null && ok || bad "rotate $t failed"
    cur=$WORK/r$t
done
zcat -f "$D/t10k-images-idx3-ubyte"* | cmp -s - "$WORK/r4/t10k-images-idx3-ubyte" && ok || bad "four rotations are not the identity"
zcat -f "$D/t10k-images-idx3-ubyte"* | cmp -s - "$WORK/r1/t10k-images-idx3-ubyte" && bad "one rotation changed nothing" || ok
$GMDL data transform --data "$D" --out "$WORK/n1" --op noise --seed 3 --json > "$WORK/t.json" && ok || bad "noise failed"
grep -q '"test": 200' "$WORK/t.json" && ok || bad "transform --json: $(cat "$WORK/t.json")"
$GMDL data transform --data "$D" --out "$WORK/n2" --op noise --seed 3 --quiet > /dev/null
cmp -s "$WORK/n1/t10k-images-idx3-ubyte" "$WORK/n2/t10k-images-idx3-ubyte" && ok || bad "noise not reproducible"
expect_fail 2 "--op rotate90|invert|noise" -- $GMDL data transform --data "$D" --out "$WORK/z" --op blur
# ood: AUROC and AUPR in [0, 1] for both scores; without --mc the mutual information is null
$GMDL ood "$WORK/s.gmdl" --in "$D" --out-data "$WORK/r1" --mc 8 --json > "$WORK/o.json" && ok || bad "ood failed"
grep -Eq '"auroc": \{"entropy": [0-9.eE+-]+, "mutual_information": [0-9.eE+-]+\}' "$WORK/o.json" && ok || bad "ood auroc keys: $(cat "$WORK/o.json")"
grep -Eq '"aupr": \{"entropy": [0-9.eE+-]+, "mutual_information": [0-9.eE+-]+\}' "$WORK/o.json" && ok || bad "ood aupr keys: $(cat "$WORK/o.json")"
$GMDL ood "$WORK/d.gmdl" --in "$D" --out-data "$WORK/n1" --json > "$WORK/o2.json" && ok || bad "ood without --mc failed"
grep -q '"mutual_information": null' "$WORK/o2.json" && ok || bad "ood without --mc: $(cat "$WORK/o2.json")"
finish
