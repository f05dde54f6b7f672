# gmdl vae train / sample / encode and gmdl ssvae train on a tiny synthetic IDX set: JSON keys, progress lines, the
# test ELBO rises with training and the importance-weighted estimate lies above it, a run resumed
# from its file after epoch 1 equals the uninterrupted run byte for byte, PNG and CSV outputs,
# --quiet, and bad input exits 2.
. "$(dirname "$0")/lib.sh"
JSON_CHECK=${4:?usage: vae.sh GMDL MAKE_IDX WORKDIR JSON_CHECK}
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 400 100 gz || exit 1
A="--data $D --latent 2 --hidden 32 --batch 40 --threads 2 --seed 3 --test-passes 2"
$GMDL vae train $A --epochs 0 --out "$WORK/e0.gvae" --json > "$WORK/e0.json" 2> "$WORK/e0.err" && ok || bad "train --epochs 0 failed: $(cat "$WORK/e0.err")"
$GMDL vae train $A --epochs 3 --out "$WORK/full.gvae" --is-samples 50 --samples-png "$WORK/s.png" \
    --recon-png "$WORK/r.png" --json > "$WORK/full.json" 2> "$WORK/full.err" && ok || bad "train failed: $(cat "$WORK/full.err")"
"$JSON_CHECK" "$WORK/full.json" && ok || bad "train --json is not JSON"
[ "$(wc -l < "$WORK/full.json")" = 1 ] && ok || bad "train --json is not one line"
for k in test_elbo seconds_per_epoch test_loglik_is epoch_seconds train_neg_elbo epochs model; do
    grep -q "\"$k\":" "$WORK/full.json" && ok || bad "train --json lacks $k"
done
grep -q "epoch 3/3" "$WORK/full.err" && ok || bad "no progress line on stderr"
e0=$(json_field "$WORK/e0.json" test_elbo)
e3=$(json_field "$WORK/full.json" test_elbo)
ll=$(json_field "$WORK/full.json" test_loglik_is)
awk -v a="$e0" -v b="$e3" 'BEGIN{exit !(b > a + 5)}' && ok || bad "test ELBO did not rise: $e0 -> $e3"
awk -v e="$e3" -v l="$ll" 'BEGIN{exit !(l > e && l < 0)}' && ok || bad "IWAE $ll not above the ELBO $e3"
for f in s.png r.png; do
    [ "$(head -c 8 "$WORK/$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && ok || bad "$f is not a PNG"
done
# resume: one epoch, then --resume to 3, equals the uninterrupted file
$GMDL vae train $A --epochs 1 --out "$WORK/cut.gvae" -q > /dev/null && ok || bad "1-epoch train failed"
$GMDL vae train $A --epochs 3 --out "$WORK/cut.gvae" --resume --json > "$WORK/cut.json" 2> "$WORK/cut.err" && ok || bad "resume failed: $(cat "$WORK/cut.err")"
grep -q "resuming" "$WORK/cut.err" && ok || bad "resume did not say so"
cmp -s "$WORK/full.gvae" "$WORK/cut.gvae" && ok || bad "resumed model differs from the uninterrupted one"
[ "$(json_field "$WORK/cut.json" test_elbo)" = "$e3" ] && ok || bad "resumed test ELBO differs"
expect_fail 2 "differ" -- $GMDL vae train $A --hidden 16 --epochs 3 --out "$WORK/cut.gvae" --resume
# same seed and threads: the same file; another seed: another file
$GMDL vae train $A --epochs 3 --out "$WORK/again.gvae" -q > /dev/null
cmp -s "$WORK/full.gvae" "$WORK/again.gvae" && ok || bad "same seed gave a different file"
$GMDL vae train $A --seed 4 --epochs 1 --out "$WORK/s4.gvae" -q > /dev/null
cmp -s "$WORK/cut.gvae" "$WORK/s4.gvae" && bad "another seed gave the same file" || ok
# sample and encode
$GMDL vae sample "$WORK/full.gvae" --png "$WORK/smp.png" --n 16 --json > "$WORK/smp.json" && ok || bad "sample failed"
"$JSON_CHECK" "$WORK/smp.json" && grep -q '"n": 16' "$WORK/smp.json" && ok || bad "sample --json: $(cat "$WORK/smp.json")"
$GMDL vae encode "$WORK/full.gvae" --data "$D" --out "$WORK/mu.csv" --png "$WORK/map.png" --json > "$WORK/enc.json" 2> "$WORK/enc.err" && ok || bad "encode failed: $(cat "$WORK/enc.err")"
"$JSON_CHECK" "$WORK/enc.json" && ok || bad "encode --json is not JSON"
[ "$(head -1 "$WORK/mu.csv")" = "label,mu1,mu2" ] && ok || bad "CSV header: $(head -1 "$WORK/mu.csv")"
[ "$(wc -l < "$WORK/mu.csv")" = 101 ] && ok || bad "CSV rows: $(wc -l < "$WORK/mu.csv")"
[ -s "$WORK/map.png" ] && ok || bad "no latent map"
# --quiet: nothing on stderr
$GMDL vae train $A --epochs 1 --out "$WORK/q.gvae" -q > /dev/null 2> "$WORK/q.err"
[ ! -s "$WORK/q.err" ] && ok || bad "--quiet wrote to stderr: $(cat "$WORK/q.err")"
# bad input
expect_fail 2 "no such data folder" -- $GMDL vae train --data "$WORK/none" --out "$WORK/x.gvae"
expect_fail 2 "--out" -- $GMDL vae train --data "$D"
expect_fail 2 "--latent" -- $GMDL vae train --data "$D" --latent 0 --out "$WORK/x.gvae"
expect_fail 2 "--binarize" -- $GMDL vae train --data "$D" --binarize soft --out "$WORK/x.gvae"
expect_fail 2 "unknown subcommand" -- $GMDL vae frob
printf 'not a model' > "$WORK/junk.gvae"
expect_fail 2 "junk.gvae" -- $GMDL vae sample "$WORK/junk.gvae" --png "$WORK/j.png"
expect_fail 2 "--png" -- $GMDL vae sample "$WORK/full.gvae"
# gmdl ssvae train: JSON keys, resume equals uninterrupted, the baseline, bad input
S="ssvae train --data $D --labels 20 --hidden 16 --latent 4 --batch 20 --threads 2 --seed 2"
$GMDL $S --epochs 2 --out "$WORK/m2.gss" --json > "$WORK/m2.json" 2> "$WORK/m2.err" && ok || bad "ssvae failed: $(cat "$WORK/m2.err")"
"$JSON_CHECK" "$WORK/m2.json" && ok || bad "ssvae --json is not JSON"
for k in test_error test_elbo labels epochs seconds_per_epoch history; do
    grep -q "\"$k\":" "$WORK/m2.json" && ok || bad "ssvae --json lacks $k"
done
$GMDL $S --epochs 1 --out "$WORK/m2cut.gss" -q > /dev/null && ok || bad "ssvae 1 epoch failed"
$GMDL $S --epochs 2 --out "$WORK/m2cut.gss" --resume -q > /dev/null && ok || bad "ssvae resume failed"
cmp -s "$WORK/m2.gss" "$WORK/m2cut.gss" && ok || bad "resumed M2 differs from the uninterrupted one"
$GMDL $S --epochs 1 --classifier-only --out "$WORK/base.gss" --json > "$WORK/base.json" 2> /dev/null && ok || bad "ssvae --classifier-only failed"
grep -q '"test_elbo": null' "$WORK/base.json" && ok || bad "classifier-only reported a bound"
# M1+M2: M2 on the posterior means of the VAE trained above (latent 2), resume equals uninterrupted
$GMDL $S --m1 "$WORK/full.gvae" --epochs 2 --out "$WORK/m1m2.gss" --json > "$WORK/m1m2.json" 2> "$WORK/m1m2.err" && ok || bad "ssvae --m1 failed: $(cat "$WORK/m1m2.err")"
"$JSON_CHECK" "$WORK/m1m2.json" && ok || bad "ssvae --m1 --json is not JSON"
m1d=$(json_field "$WORK/m1m2.json" m1_dims)
[ "$m1d" -ge 1 ] && [ "$m1d" -le 2 ] && ok || bad "m1_dims $m1d not in [1, 2]"
grep -q "M1 features from" "$WORK/m1m2.err" && ok || bad "ssvae --m1 did not say it uses the VAE's features"
$GMDL $S --m1 "$WORK/full.gvae" --epochs 1 --out "$WORK/m1cut.gss" -q > /dev/null && ok || bad "ssvae --m1 1 epoch failed"
$GMDL $S --m1 "$WORK/full.gvae" --epochs 2 --out "$WORK/m1cut.gss" --resume -q > /dev/null && ok || bad "ssvae --m1 resume failed"
cmp -s "$WORK/m1m2.gss" "$WORK/m1cut.gss" && ok || bad "resumed M1+M2 differs from the uninterrupted one"
expect_fail 2 "differ" -- $GMDL $S --epochs 2 --out "$WORK/m1cut.gss" --resume
expect_fail 2 "junk.gvae" -- $GMDL $S --m1 "$WORK/junk.gvae" --out "$WORK/x.gss"
expect_fail 2 "--labels" -- $GMDL ssvae train --data "$D" --out "$WORK/x.gss"
expect_fail 2 "--labels must be" -- $GMDL ssvae train --data "$D" --labels 400 --out "$WORK/x.gss"
expect_fail 2 "no such data folder" -- $GMDL ssvae train --data "$WORK/none" --labels 10 --out "$WORK/x.gss"
for c in "vae train" "vae sample" "vae encode" "ssvae train"; do
    # shellcheck disable=SC2086
    h=$($GMDL $c --help)
    echo "$h" | grep -q -- "--json" && echo "$h" | grep -q -- "-q, --quiet" && ok || bad "'gmdl $c --help' lacks --json or --quiet"
done
finish
