# The CLI contract of docs/CLI.md on every command and subcommand: --json writes one line of
# valid JSON on stdout (checked by the json_check tool, the library's own parser) and exits 0;
# --quiet leaves stderr empty on success (alone and with --json); an error is still printed under
# --quiet; every --help lists both options.
. "$(dirname "$0")/lib.sh"
SRC=${4:?usage: contract.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR JSON_CHECK}
JSON_CHECK=${5:?usage: contract.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR JSON_CHECK}
DATA=$SRC/tests/data
BIF=$DATA/bif/asia.bif
UAI=$DATA/uai/Grids_11.uai
SCHOOLS=$DATA/posteriors/eight_schools-eight_schools_noncentered/data.json
for f in "$BIF" "$UAI" "$SCHOOLS" "$DATA/a9a/a9a_5000"; do
    [ -r "$f" ] || { bad "missing test data $f"; finish; }
done
# the validator itself: accepts JSON, refuses what is not
if echo '{"a": [1, 2.5e-3, null, true, "x\u00e9"]}' | "$JSON_CHECK" && ! echo '{"a": [1,]}' | "$JSON_CHECK" 2> /dev/null &&
    ! echo '{"a": 1} x' | "$JSON_CHECK" 2> /dev/null && ! printf '' | "$JSON_CHECK" 2> /dev/null; then ok; else bad "json_check does not tell JSON from non-JSON"; fi

D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 200 100 || { bad "make_idx failed"; finish; }
M=$WORK/m.gmdl
head -300 "$DATA/a9a/a9a_5000" > "$WORK/a9a_300"
$GMDL bn sample "$BIF" --n 200 --missing 0.1 > "$WORK/asia_missing.csv"

# Each entry: a name and the command line (word-split); the model for eval, info and compress is
# made by the train entry, which runs first.
TRAIN="train --arch mlp:16 --method svd --epochs 2 --kl-warmup-start 0 --kl-warmup-epochs 1 --batch 20 --data $D --threads 1"
cases=(
    "train|$TRAIN --out $M"
    "eval|eval $M --data $D --threads 1"
    "info|info $M"
    "compress|compress $M --data $D --out $WORK/m.gmz --threads 1"
    "eval-gmz|eval $WORK/m.gmz --data $D --threads 1"
    "eval-mc|eval $M --data $D --mc 3 --threads 1"
    "predict|predict $M --data $D --mc 3 --out $WORK/p.csv --threads 1"
    "data-transform|data transform --data $D --out $WORK/rot --op rotate90"
    "ood|ood $M --in $D --out-data $WORK/rot --mc 3 --threads 1"
    "evidence|evidence --max 4"
    "biasvar|biasvar --max-degree 3 --repeats 20"
    "regress|regress --warmup 200 --draws 10 --threads 1"
    "bn-info|bn info $BIF"
    "bn-dsep|bn dsep $BIF asia dysp --given tub"
    "bn-dsep-reachable|bn dsep $BIF asia --reachable"
    "bn-query|bn query $BIF --target lung --evidence smoke=yes"
    "bn-query-lw|bn query $BIF --target lung --method lw --n 2000"
    "bn-sample|bn sample $BIF --n 5"
    "bn-sample-missing|bn sample $BIF --n 5 --missing 0.3"
    "bn-learn|bn learn $BIF --data $WORK/asia_missing.csv --out $WORK/learned.bif --threads 1"
    "em-gmm|em gmm --data $DATA/em/faithful.csv -k 2"
    "em-bernoulli|em bernoulli --data $D -k 2 --threads 1"
    "mrf-pr|mrf pr $UAI"
    "mrf-mar-bp|mrf mar $UAI --method bp --iters 3"
    "sample-hmc|sample --model eight-schools --data $SCHOOLS --method hmc --n 50 --threads 1"
    "sample-logistic|sample --model logistic --data $WORK/a9a_300 --test $WORK/a9a_300 --method vi --n 20"
    "sample-risk|sample --model sgld-mixture --risk-sweep --steps 1e-3 --budget 2000 --repeats 2 --threads 1"
)
for c in "${cases[@]}"; do
    name=${c%%|*}
    # shellcheck disable=SC2206 # the command line is split on purpose
    args=(${c#*|})
    [ "$name" = train ] && rm -f "$M"
    if $GMDL "${args[@]}" --json > "$WORK/$name.json" 2> "$WORK/$name.err"; then ok; else bad "$name --json exited $?: $(cat "$WORK/$name.err")"; continue; fi
    if "$JSON_CHECK" "$WORK/$name.json" 2> "$WORK/jc.err"; then ok; else bad "$name --json is not JSON: $(cat "$WORK/jc.err")"; fi
    if [ "$(wc -l < "$WORK/$name.json")" = 1 ]; then ok; else bad "$name --json is not one line"; fi
    [ "$name" = train ] && rm -f "$M"
    if $GMDL "${args[@]}" --quiet > "$WORK/$name.out" 2> "$WORK/$name.qerr"; then ok; else bad "$name --quiet exited $?: $(cat "$WORK/$name.qerr")"; continue; fi
    if [ ! -s "$WORK/$name.qerr" ]; then ok; else bad "$name --quiet wrote to stderr: $(cat "$WORK/$name.qerr")"; fi
    [ "$name" = train ] && rm -f "$M"
    if $GMDL "${args[@]}" --json -q > "$WORK/$name.jq" 2> "$WORK/$name.jqerr" && "$JSON_CHECK" "$WORK/$name.jq" && [ ! -s "$WORK/$name.jqerr" ]; then ok; else bad "$name --json -q: $(cat "$WORK/$name.jqerr")"; fi
done
# progress and notes do appear without --quiet (so the checks above can fail)
if grep -q "epoch 2/2" "$WORK/train.err"; then ok; else bad "train wrote no progress without --quiet"; fi
if grep -q "warning" "$WORK/mrf-mar-bp.err"; then ok; else bad "mrf mar --iters 3 gave no warning without --quiet: $(cat "$WORK/mrf-mar-bp.err")"; fi
# bn sample --json: the nodes and one array of states per sample, as the CSV has them
$GMDL bn sample "$BIF" --n 3 --seed 4 > "$WORK/s.csv"
if grep -qF "\"nodes\": [\"$(head -1 "$WORK/s.csv" | sed 's/,/", "/g')\"]" "$WORK/bn-sample.json" &&
    grep -qF "\"n\": 5" "$WORK/bn-sample.json"; then ok; else bad "bn sample --json nodes: $(cat "$WORK/bn-sample.json")"; fi
$GMDL bn sample "$BIF" --n 3 --seed 4 --json > "$WORK/s.json"
if grep -qF "[\"$(sed -n 4p "$WORK/s.csv" | sed 's/,/", "/g')\"]]" "$WORK/s.json"; then ok; else bad "bn sample --json rows differ from the CSV: $(cat "$WORK/s.json")"; fi
# errors are still printed under --quiet, with the usual exit codes
expect_fail 2 "/nonexistent.bif" -- $GMDL bn info /nonexistent.bif --quiet --json
expect_fail 2 "unknown option '--frob'" -- $GMDL mrf pr "$UAI" --quiet --frob
expect_fail 2 "--json takes no value" -- $GMDL eval "$M" --json=1
# every --help lists --json and --quiet
for c in train eval predict ood "data transform" evidence biasvar regress info compress "bn info" "bn dsep" "bn query" "bn sample" "mrf pr" "mrf mar" sample; do
    # shellcheck disable=SC2086
    h=$($GMDL $c --help)
    if echo "$h" | grep -q -- "--json" && echo "$h" | grep -q -- "-q, --quiet"; then ok; else bad "'gmdl $c --help' lacks --json or --quiet"; fi
done
finish
