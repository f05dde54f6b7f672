# gmdl sample with NUTS (the default method): the warnings each fire where provoked and stay silent
# on a well-behaved posterior, --strict exits 1 on each; the Stan-format CSV has Stan's columns
# and reads back (plain CSV) into the draws of the gmdl CSV; threads 1 and 2 give byte-identical
# files. Models: the --model-lib examples (examples/models), built into the build's models/.
. "$(dirname "$0")/lib.sh"
MODELS=$(dirname "$GMDL")/models
for m in blr eight_schools eight_schools_centered; do
    [ -r "$MODELS/$m.so" ] || { bad "missing $MODELS/$m.so"; finish; }
done
S="$GMDL sample"

# warns CODE... -- ARGS: the run (with --strict) exits 1 and warns with each code, on stderr and in
# the JSON "warnings" list
warns() {
    local codes=()
    while [ "$1" != "--" ]; do codes+=("$1"); shift; done
    shift
    $S "$@" --strict --json > "$WORK/j" 2> "$WORK/e"
    local rc=$?
    if [ "$rc" != 1 ]; then bad "'$*' --strict exited $rc, want 1: $(cat "$WORK/e")"; return; fi
    if ! grep -qF -- "--strict:" "$WORK/e"; then bad "'$*': no --strict line: $(cat "$WORK/e")"; return; fi
    for c in "${codes[@]}"; do
        if grep -qF -- "warning [$c]" "$WORK/e" && grep -qF -- "\"code\": \"$c\"" "$WORK/j"; then
            ok
        else
            bad "'$*': no warning $c: $(cat "$WORK/e")"
        fi
    done
}

# a well-behaved posterior: NUTS by default, the keys, no warnings, --strict exits 0
if $S --model-lib "$MODELS/blr.so" --strict --json > "$WORK/j" 2> "$WORK/e"; then
    for k in '"method": "nuts"' '"warnings": []' '"divergences": 0' '"max_treedepth_hits": 0' \
             '"ebfmi": [' '"ess_tail": {"beta[1]"' '"rhat_rank": {' '"ess_bulk": {' '"grad_evals":'; do
        if grep -qF -- "$k" "$WORK/j"; then ok; else bad "blr JSON lacks $k: $(cat "$WORK/j")"; fi
    done
    if [ -s "$WORK/e" ]; then bad "blr: stderr not empty: $(cat "$WORK/e")"; else ok; fi
else
    bad "blr --strict failed: $(cat "$WORK/e")"
fi
# the funnel of the centered eight schools: divergences and a low E-BFMI
warns divergent ebfmi -- --model-lib "$MODELS/eight_schools_centered.so" --seed 1
# the tree depth limit
warns treedepth -- --model-lib "$MODELS/blr.so" --max-depth 1
# MH started with a proposal 30 times too wide and no warm-up: stuck chains, chains that disagree
warns acceptance rhat ess_bulk -- --model-lib "$MODELS/eight_schools.so" --method mh --warmup 0 --step 30 --n 300
# SGLD whose steps are too small to leave the start points
warns sgld_chains rhat -- --model-lib "$MODELS/blr.so" --method sgld --batch 0 --sgld-a 1e-12 --gamma 0 --n 200
# too short a run: tail ESS below 100 per chain
warns ess_tail -- --model-lib "$MODELS/eight_schools.so" --method mh --n 100
# without --strict the same run exits 0 and still warns on stderr; -q silences it
$S --model-lib "$MODELS/blr.so" --max-depth 1 > /dev/null 2> "$WORK/e"
rc=$?
if [ "$rc" = 0 ] && grep -qF "warning [treedepth]" "$WORK/e"; then ok; else bad "no --strict: rc $rc, $(cat "$WORK/e")"; fi
$S --model-lib "$MODELS/blr.so" --max-depth 1 -q > /dev/null 2> "$WORK/e"
if [ ! -s "$WORK/e" ]; then ok; else bad "-q still warns: $(cat "$WORK/e")"; fi

# Stan CSV: one file per chain, Stan's column names, and the same draws as the gmdl CSV
$S --model-lib "$MODELS/eight_schools.so" --n 200 --seed 3 --out "$WORK/s.csv" --out-format stan -q > /dev/null 2>&1
$S --model-lib "$MODELS/eight_schools.so" --n 200 --seed 3 --out "$WORK/g.csv" -q > /dev/null 2>&1
want='lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta.1,theta.2,theta.3,theta.4,theta.5,theta.6,theta.7,theta.8,mu,tau'
for c in 1 2 3 4; do
    f=$WORK/s_$c.csv
    [ -r "$f" ] || { bad "missing $f"; continue; }
    hdr=$(grep -v '^#' "$f" | head -1)
    if [ "$hdr" = "$want" ]; then ok; else bad "Stan header: $hdr"; fi
    # plain CSV reading: drop comments and header, keep the parameter columns
    grep -v '^#' "$f" | tail -n +2 | cut -d, -f8- > "$WORK/a"
    awk -F, -v c=$c 'NR > 1 && $1 == c' "$WORK/g.csv" | cut -d, -f3- > "$WORK/b"
    if [ "$(wc -l < "$WORK/a")" = 200 ] && cmp -s "$WORK/a" "$WORK/b"; then ok; else bad "chain $c: Stan CSV draws differ from the gmdl CSV"; fi
    # sampler columns: treedepth, n_leapfrog, divergent are integers; 0 < accept_stat <= 1
    if grep -v '^#' "$f" | tail -n +2 | awk -F, '$4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ || ($6 != 0 && $6 != 1) || $2 < 0 || $2 > 1 {bad=1} END {exit bad}'; then ok; else bad "chain $c: bad sampler columns"; fi
done
if ls "$WORK"/s_*.csv.tmp.* > /dev/null 2>&1; then bad "temporary files left"; else ok; fi
# threads 1 and 2: byte-identical Stan files (statistics included)
$S --model-lib "$MODELS/eight_schools.so" --n 200 --seed 3 --threads 1 --out "$WORK/t1.csv" --out-format stan -q > /dev/null 2>&1
$S --model-lib "$MODELS/eight_schools.so" --n 200 --seed 3 --threads 2 --out "$WORK/t2.csv" --out-format stan -q > /dev/null 2>&1
for c in 1 2 3 4; do
    if [ -s "$WORK/t1_$c.csv" ] && cmp -s "$WORK/t1_$c.csv" "$WORK/t2_$c.csv"; then ok; else bad "chain $c differs between 1 and 2 threads"; fi
done
# --metric dense runs; one chain writes PATH itself
if $S --model-lib "$MODELS/blr.so" --metric dense --chains 1 --n 200 --out "$WORK/one.csv" --out-format stan -q > /dev/null 2> "$WORK/e" && [ -s "$WORK/one.csv" ]; then ok; else bad "dense, one chain: $(cat "$WORK/e")"; fi
# --data: Stan-format JSON through the accessor (the repository's copy of posteriordb's data.json)
SCHOOLS=$(dirname "$0")/../data/posteriors/eight_schools-eight_schools_noncentered
if $S --model-lib "$MODELS/eight_schools.so" --data "$SCHOOLS/data.json" --n 200 --json > "$WORK/j" 2> "$WORK/e" && grep -qF '"theta[8]"' "$WORK/j"; then ok; else bad "--data: $(cat "$WORK/e")"; fi
expect_fail 2 "mean_value.json" 'missing key "J"' -- $S --model-lib "$MODELS/eight_schools.so" --data "$SCHOOLS/mean_value.json"
expect_fail 2 "reads no --data" -- $S --model-lib "$MODELS/blr.so" --data "$SCHOOLS/data.json"
# --check-grad: a sign error in one coordinate's gradient is caught and named (exit 2); a right
# gradient passes (exit 0) with the JSON key
expect_fail 2 "--check-grad" "gradient of b is wrong" -- $S --model-lib "$MODELS/wrong_grad.so" --check-grad
if $S --model-lib "$MODELS/wrong_grad.so" --model-arg ok --check-grad --json > "$WORK/j" 2> "$WORK/e" && grep -qF '"grad_check": {"a":' "$WORK/j" && grep -qF '"ok": true' "$WORK/j"; then ok; else bad "--check-grad on a right gradient: $(cat "$WORK/e" "$WORK/j")"; fi
if $S --model-lib "$MODELS/eight_schools.so" --check-grad > /dev/null 2> "$WORK/e"; then ok; else bad "eight_schools gradient: $(cat "$WORK/e")"; fi
# usage errors
expect_fail 2 "--max-depth" -- $S --model-lib "$MODELS/blr.so" --max-depth 0
expect_fail 2 "--out-format stan needs sampler statistics" -- $S --model-lib "$MODELS/blr.so" --method vi --n 100 --out "$WORK/v.csv" --out-format stan
finish
