# gmdl train / eval / info on a small synthetic set: JSON keys, eval reproduces the accuracy,
# two runs with the same seed and threads give byte-identical model files.
. "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 1000 300 gz || exit 1
A="--arch mlp:32-16 --method dropout:0.1 --epochs 3 --batch 20 --data $D --threads 2 --seed 7"
$GMDL train $A --out "$WORK/a.gmdl" --json > "$WORK/a.json" 2> "$WORK/a.err" && ok || bad "train failed: $(cat "$WORK/a.err")"
for k in arch method epochs seconds_per_epoch train_seconds test_accuracy test_error model; do
    grep -q "\"$k\":" "$WORK/a.json" && ok || bad "train --json lacks $k"
done
acc=$(json_field "$WORK/a.json" test_accuracy)
awk -v a="$acc" 'BEGIN{exit !(a > 0.9)}' && ok || bad "synthetic accuracy $acc <= 0.9"
grep -q "epoch 3/3" "$WORK/a.err" && ok || bad "no progress line on stderr"
[ "$(wc -l < "$WORK/a.json")" = 1 ] && ok || bad "train --json is not one line"
$GMDL eval "$WORK/a.gmdl" --data "$D" --json > "$WORK/e.json" && ok || bad "eval failed"
eacc=$(json_field "$WORK/e.json" test_accuracy)
[ "$acc" = "$eacc" ] && ok || bad "eval accuracy $eacc differs from train's $acc"
for k in test_accuracy test_error nll ece brier n; do
    grep -q "\"$k\":" "$WORK/e.json" && ok || bad "eval --json lacks $k"
done
$GMDL eval "$WORK/a.gmdl" --data "$D" --mc 5 --json > "$WORK/mc.json" && ok || bad "eval --mc failed"
$GMDL info "$WORK/a.gmdl" --json > "$WORK/i.json" && ok || bad "info failed"
grep -q '"parameters": 25818' "$WORK/i.json" && ok || bad "info parameter count: $(cat "$WORK/i.json")"
$GMDL info "$WORK/a.gmdl" | grep -q "mlp:32-16" && ok || bad "info text lacks the architecture"
# determinism: same seed and threads, byte-identical files
$GMDL train $A --out "$WORK/b.gmdl" --quiet > /dev/null && ok || bad "second train failed"
cmp -s "$WORK/a.gmdl" "$WORK/b.gmdl" && ok || bad "same seed gave different model files"
$GMDL train $A --seed 8 --out "$WORK/c.gmdl" --quiet > /dev/null && ok || bad "third train failed"
cmp -s "$WORK/a.gmdl" "$WORK/c.gmdl" && bad "different seeds gave the same model file" || ok
# a small sparse-VD conv net: trains, prunes, compresses, and the .gmz runs with the same error
S="--arch cnn:c4k5-p2-d32 --method svd --epochs 4 --kl-warmup-start 0 --kl-warmup-epochs 1 --batch 20 --data $D --threads 2"
$GMDL train $S --out "$WORK/s.gmdl" --json > "$WORK/s.json" 2> /dev/null && ok || bad "svd conv training failed"
kept=$(grep -o '"kept_fraction": [0-9.eE+-]*' "$WORK/s.json" | tail -1 | sed 's/.*: //')
awk -v k="$kept" 'BEGIN{exit !(k < 0.9)}' && ok || bad "svd kept fraction $kept: nothing pruned"
$GMDL compress "$WORK/s.gmdl" --data "$D" --out "$WORK/s.gmz" --json > "$WORK/sc.json" && ok || bad "compress of the conv net failed"
$GMDL eval "$WORK/s.gmz" --data "$D" --json > "$WORK/se.json" && ok || bad "eval of the conv .gmz failed"
[ "$(json_field "$WORK/sc.json" test_error)" = "$(json_field "$WORK/se.json" test_error)" ] && ok || bad "conv .gmz error differs from compress's"
awk -v e="$(json_field "$WORK/sc.json" test_error)" 'BEGIN{exit !(e < 0.1)}' && ok || bad "compressed conv net error too high"
# soft weight-sharing from a dense model: retrains, compresses to codebook indices, and the .gmz
# runs with the error compress reports
$GMDL train --arch mlp:16 --method dense --epochs 3 --data "$D" --out "$WORK/wd.gmdl" --quiet > /dev/null && ok || bad "dense training for sws failed"
$GMDL train --arch mlp:16 --method sws --init "$WORK/wd.gmdl" --epochs 3 --sws-harden 0.5,1 --data "$D" --out "$WORK/ws.gmdl" --quiet --json > "$WORK/wt.json" && ok || bad "sws training failed"
$GMDL compress "$WORK/ws.gmdl" --data "$D" --out "$WORK/ws.gmz" --json > "$WORK/wc.json" && ok || bad "compress of the sws net failed"
$GMDL eval "$WORK/ws.gmz" --data "$D" --json > "$WORK/we.json" && ok || bad "eval of the sws .gmz failed"
[ "$(json_field "$WORK/wc.json" test_error)" = "$(json_field "$WORK/we.json" test_error)" ] && ok || bad "sws .gmz error differs from compress's"
# hardened to the end, the net is its own compressed form: the same error as training reported
[ "$(json_field "$WORK/wt.json" test_error)" = "$(json_field "$WORK/wc.json" test_error)" ] && ok || bad "hardened sws net: compress changed its error"
grep -q '"bits": 5' "$WORK/wc.json" && ok || bad "sws codes are not 5-bit component indices"
# the example program (public API only)
if [ -n "${EXAMPLE:-}" ]; then
    "$EXAMPLE" "$D" "$WORK/ex.gmdl" 1 | grep -q "reloaded model" && ok || bad "example_train_mlp failed"
fi
finish
