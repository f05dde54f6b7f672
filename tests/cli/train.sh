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
# the example program (public API only)
if [ -n "${EXAMPLE:-}" ]; then
    "$EXAMPLE" "$D" "$WORK/ex.gmdl" 1 | grep -q "reloaded model" && ok || bad "example_train_mlp failed"
fi
finish
