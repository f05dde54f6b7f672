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
# evidence: peaks at degree 3 on the generated cubic; biasvar: the decomposition adds up within
# three standard errors at every degree
$GMDL evidence --json > "$WORK/ev.json" && ok || bad "evidence failed"
[ "$(json_field "$WORK/ev.json" best)" = 3 ] && ok || bad "evidence best: $(cat "$WORK/ev.json")"
printf 'x,y\n0,1\n1,3\n2,5.1\n3,6.9\n' > "$WORK/lin.csv"
$GMDL evidence --data "$WORK/lin.csv" --max 2 --noise 0.1 --json > "$WORK/ev2.json" && ok || bad "evidence on a CSV failed"
[ "$(json_field "$WORK/ev2.json" best)" = 1 ] && ok || bad "evidence on a line: $(cat "$WORK/ev2.json")"
$GMDL biasvar --max-degree 6 --repeats 100 --json > "$WORK/bv.json" && ok || bad "biasvar failed"
n=$(grep -o '"expected_error": [-0-9.eE+]*, "measured_error": [-0-9.eE+]*, "measured_se": [-0-9.eE+]*' "$WORK/bv.json" |
    sed 's/[a-z_":]//g' | awk -F', *' '{d = $1 - $2; if (d < 0) d = -d; if (d <= 3 * $3) k++} END {print k}')
[ "$n" = 7 ] && ok || bad "biasvar: $n of 7 degrees add up: $(cat "$WORK/bv.json")"
# regress: the predictive sd in the middle of the gap is at least 3 times that next to the data
$GMDL regress --threads 2 --json > "$WORK/rg.json" && ok || bad "regress failed"
awk -v r="$(json_field "$WORK/rg.json" ratio)" 'BEGIN{exit !(r >= 3)}' && ok || bad "regress sd ratio: $(cat "$WORK/rg.json")"
expect_fail 2 "sgld or hmc" -- $GMDL regress --method nuts
# tables: iris (CSV, text-free numeric labels) with a seeded split, a9a (libsvm) with a test
# file; eval and predict read the table through the model's columns and standardisation
T="$(cd "$(dirname "$0")/../data" && pwd)"
$GMDL train --arch mlp:16 --method dropout --data "$T/sklearn/iris.csv" --y target --split 0.3 --epochs 40 --batch 10 --lr 0.01 --threads 2 --json --quiet --out "$WORK/iris.gmdl" > "$WORK/it.json" && ok || bad "iris training failed"
awk -v a="$(json_field "$WORK/it.json" test_accuracy)" 'BEGIN{exit !(a >= 0.85)}' && ok || bad "iris test accuracy: $(cat "$WORK/it.json")"
$GMDL train --arch mlp:16 --method dropout --data "$T/sklearn/iris.csv" --y target --split 0.3 --epochs 40 --batch 10 --lr 0.01 --threads 2 --quiet --out "$WORK/iris2.gmdl" > /dev/null
cmp -s "$WORK/iris.gmdl" "$WORK/iris2.gmdl" && ok || bad "iris training not reproducible"
expect_fail 2 "trained on a table" "not compressed" -- $GMDL compress "$WORK/iris.gmdl" --data "$T/sklearn/iris.csv" --out "$WORK/iris.gmz"
[ ! -e "$WORK/iris.gmz" ] && ok || bad "compress of a tabular model wrote a file"
$GMDL info "$WORK/iris.gmdl" > "$WORK/ii.txt" && grep -q "1x1x4, 3 classes" "$WORK/ii.txt" && ok || bad "iris info: $(cat "$WORK/ii.txt")"
# the columns are found by name: a copy with the label first and the features reversed
tr -d '\r' < "$T/sklearn/iris.csv" | awk -F, -v OFS=, '{print $5, $4, $3, $2, $1}' > "$WORK/iris_rev.csv"
$GMDL eval "$WORK/iris.gmdl" --data "$T/sklearn/iris.csv" --mc 10 --json > "$WORK/ie.json" && ok || bad "iris eval failed"
$GMDL eval "$WORK/iris.gmdl" --data "$WORK/iris_rev.csv" --mc 10 --json > "$WORK/ie2.json" && ok || bad "iris eval on reordered columns failed"
[ "$(json_field "$WORK/ie.json" nll)" = "$(json_field "$WORK/ie2.json" nll)" ] && ok || bad "column order changed eval: $(cat "$WORK/ie.json" "$WORK/ie2.json")"
$GMDL predict "$WORK/iris.gmdl" --data "$T/sklearn/iris.csv" --mc 10 --out "$WORK/ip.csv" --json > "$WORK/ip.json" && ok || bad "iris predict failed"
[ "$(head -1 "$WORK/ip.csv")" = "index,label,pred,p0,p1,p2,entropy,expected_entropy,mutual_information" ] && ok || bad "iris predict header: $(head -1 "$WORK/ip.csv")"
[ "$(json_field "$WORK/ip.json" test_accuracy)" = "$(json_field "$WORK/ie.json" test_accuracy)" ] && ok || bad "iris predict accuracy differs from eval's"
cut -d, -f1-4 "$T/sklearn/iris.csv" > "$WORK/iris_x.csv"
$GMDL predict "$WORK/iris.gmdl" --data "$WORK/iris_x.csv" --out "$WORK/ipx.csv" --quiet > /dev/null && ok || bad "predict on a table without labels failed"
[ "$(head -1 "$WORK/ipx.csv")" = "index,pred,p0,p1,p2,entropy" ] && ok || bad "unlabelled table header: $(head -1 "$WORK/ipx.csv")"
expect_fail 2 "no label column 'target'" -- $GMDL eval "$WORK/iris.gmdl" --data "$WORK/iris_x.csv"
expect_fail 2 "trained on a table" -- $GMDL eval "$WORK/iris.gmdl" --data "$D"
$GMDL train --arch mlp:32 --method svd --data "$T/a9a/a9a_5000" --test "$T/a9a/a9a.t_4000" --epochs 4 --kl-warmup-start 0 --kl-warmup-epochs 2 --threads 2 --json --quiet --out "$WORK/a9a.gmdl" > "$WORK/at.json" && ok || bad "a9a training failed"
awk -v a="$(json_field "$WORK/at.json" test_accuracy)" 'BEGIN{exit !(a >= 0.82)}' && ok || bad "a9a test accuracy: $(cat "$WORK/at.json")"
$GMDL eval "$WORK/a9a.gmdl" --data "$T/a9a/a9a.t_4000" --json > "$WORK/ae.json" && ok || bad "a9a eval failed"
[ "$(json_field "$WORK/ae.json" test_accuracy)" = "$(json_field "$WORK/at.json" test_accuracy)" ] && ok || bad "a9a eval differs from training's test accuracy"
# resume continues a table run to the same file
$GMDL train --arch mlp:16 --data "$T/sklearn/iris.csv" --y target --split 0.3 --epochs 6 --threads 2 --quiet --out "$WORK/ir.gmdl" > /dev/null
$GMDL train --arch mlp:16 --data "$T/sklearn/iris.csv" --y target --split 0.3 --epochs 6 --threads 2 --quiet --crash-at-step 7 --out "$WORK/ir3.gmdl" > /dev/null 2>&1
[ -f "$WORK/ir3.gmdl" ] && ! cmp -s "$WORK/ir.gmdl" "$WORK/ir3.gmdl" && ok || bad "the killed table run left no partial model"
$GMDL train --data "$T/sklearn/iris.csv" --y target --split 0.3 --epochs 6 --threads 2 --quiet --resume --out "$WORK/ir3.gmdl" > /dev/null && ok || bad "table resume failed"
cmp -s "$WORK/ir.gmdl" "$WORK/ir3.gmdl" && ok || bad "resumed table run differs"
finish
