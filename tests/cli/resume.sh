# A run killed with SIGKILL in the middle of an epoch and restarted with --resume ends with a
# model file byte-identical to an uninterrupted run with the same seed and threads.
. "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 2000 200 || exit 1
A="--arch mlp:24 --method dropout:0.2 --epochs 4 --batch 50 --data $D --threads 2 --seed 3 --quiet"
$GMDL train $A --out "$WORK/full.gmdl" > /dev/null || bad "uninterrupted run failed"
# 40 steps per epoch: step 100 is in the middle of epoch 3
$GMDL train $A --out "$WORK/cut.gmdl" --crash-at-step 100 > /dev/null 2>&1
rc=$?
[ "$rc" = 137 ] && ok || bad "the run was not killed by SIGKILL (exit $rc)"
$GMDL info "$WORK/cut.gmdl" --json > "$WORK/cut.json" || bad "the checkpoint is not readable"
[ "$(json_field "$WORK/cut.json" epoch)" = 2 ] && ok || bad "checkpoint epoch is $(json_field "$WORK/cut.json" epoch), want 2"
ls "$WORK"/cut.gmdl.tmp.* > /dev/null 2>&1 && bad "a temporary file was left behind" || ok
$GMDL train $A --out "$WORK/cut.gmdl" --resume > /dev/null || bad "resume failed"
cmp -s "$WORK/full.gmdl" "$WORK/cut.gmdl" && ok || bad "resumed model differs from the uninterrupted one"
# the same for a Bayesian net (noise streams, KL warm-up and schedule must resume exactly)
B="--arch mlp:24 --method svd --epochs 3 --kl-warmup-start 1 --kl-warmup-epochs 1 --batch 50 --data $D --threads 2 --seed 5 --quiet"
$GMDL train $B --out "$WORK/bfull.gmdl" > /dev/null || bad "uninterrupted svd run failed"
$GMDL train $B --out "$WORK/bcut.gmdl" --crash-at-step 60 > /dev/null 2>&1
[ $? = 137 ] && ok || bad "the svd run was not killed"
$GMDL train $B --out "$WORK/bcut.gmdl" --resume > /dev/null || bad "svd resume failed"
cmp -s "$WORK/bfull.gmdl" "$WORK/bcut.gmdl" && ok || bad "resumed svd model differs from the uninterrupted one"
# a conflicting option is refused when resuming
expect_fail 2 "--batch" "differs" -- $GMDL train $A --batch 10 --out "$WORK/cut.gmdl" --resume
# resuming a finished run trains nothing and keeps the file
cp "$WORK/cut.gmdl" "$WORK/before.gmdl"
$GMDL train $A --out "$WORK/cut.gmdl" --resume > /dev/null && ok || bad "resume of a finished run failed"
cmp -s "$WORK/before.gmdl" "$WORK/cut.gmdl" && ok || bad "resuming a finished run changed the file"
finish
