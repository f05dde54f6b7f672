# gmdl cox and gmdl km: R's numbers through the command line, the JSON keys, model files and
# --predict, --split, categorical columns, and the malformed-input cases (exit 2 naming FILE:LINE
# or the column): non-positive and missing times, event values outside the mapping, an unknown
# column, a constant covariate.
. "$(dirname "$0")/lib.sh"
SRC=${4:?usage: cox.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR JSON_CHECK}
JSON_CHECK=${5:?usage: cox.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR JSON_CHECK}
S=$SRC/tests/data/survival
for f in rossi lung veteran; do
    [ -r "$S/$f.csv" ] || { bad "missing test data $S/$f.csv"; finish; }
done
near() { python3 -c "import sys; a, b, t = map(float, sys.argv[1:]); sys.exit(abs(a - b) > t)" "$@"; }
jget() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); exec('print(' + sys.argv[2] + ')')" "$@"; }

# rossi (R coxph, Efron): coefficients, loglik, concordance; --json is one line of JSON; -q silent
R="--data $S/rossi.csv --time week --event arrest"
if $GMDL cox $R --json -q > "$WORK/r.json" 2> "$WORK/r.err" && [ ! -s "$WORK/r.err" ]; then ok; else bad "cox rossi --json -q: $(cat "$WORK/r.err")"; fi
if "$JSON_CHECK" "$WORK/r.json" && [ "$(wc -l < "$WORK/r.json")" = 1 ]; then ok; else bad "cox --json is not one line of JSON"; fi
if near "$(jget "$WORK/r.json" "d['coefficients']['prio']")" 0.0914970809853 1e-5 &&
    near "$(jget "$WORK/r.json" "d['coefficients']['fin']")" -0.379422166486 1e-5 &&
    near "$(jget "$WORK/r.json" "d['loglik']")" -658.7476594 1e-6 &&
    near "$(jget "$WORK/r.json" "d['z']['age']")" -2.61086931257 1e-3 &&
    near "$(jget "$WORK/r.json" "d['lrt']['statistic']")" 33.2659458016 1e-4 &&
    near "$(jget "$WORK/r.json" "d['concordance']['train']")" 0.6403292471 1e-4; then ok; else bad "rossi numbers: $(cat "$WORK/r.json")"; fi
if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); c=d['concordance']['train_ci']; sys.exit(not (c['lo'] < d['concordance']['train'] < c['hi']) or set(d['se']) != set(d['coefficients']) or len(d['p']) != 7)" "$WORK/r.json"; then ok; else bad "rossi JSON keys: $(cat "$WORK/r.json")"; fi
# the readable report as R prints it
$GMDL cox $R > "$WORK/r.txt" 2> "$WORK/r.err"
if grep -q "^prio .*3.194 .*\*\*" "$WORK/r.txt" && grep -q "Likelihood ratio test= 33.27  on 7 df" "$WORK/r.txt" &&
    grep -q "Concordance= 0.6403" "$WORK/r.txt" && grep -q "fitted" "$WORK/r.err"; then ok; else bad "report: $(cat "$WORK/r.txt")"; fi

# lung: event value 2, complete cases dropped and counted, Breslow ties
L="--data $S/lung.csv --time time --event status --event-value 2 --x age,sex,ph.ecog"
expect_fail 2 "lung.csv:" "column ph.ecog: missing value" "--drop-missing" -- $GMDL cox $L
$GMDL cox $L --drop-missing --ties breslow --json -q > "$WORK/l.json"
if near "$(jget "$WORK/l.json" "d['coefficients']['sex']")" -0.551889569788 1e-5 &&
    near "$(jget "$WORK/l.json" "d['loglik']")" -729.488705177 1e-6 &&
    [ "$(jget "$WORK/l.json" "d['dropped'], d['n'], d['events']")" = "1 227 164" ]; then ok; else bad "lung breslow: $(cat "$WORK/l.json")"; fi

# veteran: celltype expanded to indicators against squamous; saved model predicts curves
V="--data $S/veteran.csv --time time --event status --baseline celltype=squamous"
$GMDL cox $V --out "$WORK/v.gmdl" --json -q > "$WORK/v.json"
if near "$(jget "$WORK/v.json" "d['coefficients']['celltype=adeno']")" 1.19606637418 1e-5 &&
    near "$(jget "$WORK/v.json" "d['loglik']")" -474.397111715 1e-6 &&
    [ "$(jget "$WORK/v.json" "len(d['coefficients'])")" = 8 ]; then ok; else bad "veteran: $(cat "$WORK/v.json")"; fi
if [ -s "$WORK/v.gmdl" ]; then ok; else bad "no model file"; fi
$GMDL cox --model "$WORK/v.gmdl" --predict "$S/veteran.csv" --times 30,365 > "$WORK/p.csv"
if [ "$(head -1 "$WORK/p.csv")" = "line,risk,S(30),S(365)" ] && [ "$(wc -l < "$WORK/p.csv")" = 138 ] &&
    awk -F, 'NR > 1 && !($3 > $4 && $3 <= 1 && $4 >= 0) { exit 1 }' "$WORK/p.csv"; then ok; else bad "predict: $(head -3 "$WORK/p.csv")"; fi
$GMDL cox --model "$WORK/v.gmdl" --predict "$S/veteran.csv" --json > "$WORK/p.json"
if "$JSON_CHECK" "$WORK/p.json" && [ "$(jget "$WORK/p.json" "len(d['rows']), len(d['rows'][0]['survival']) == len(d['times'])")" = "137 True" ]; then ok; else bad "predict --json"; fi
# the risk of the first row equals the linear predictor of the fitted coefficients
if near "$(sed -n 2p "$WORK/p.csv" | cut -d, -f2)" "$(jget "$WORK/v.json" "sum(d['coefficients'][k] * v for k, v in [('trt', 1), ('karno', 60), ('diagtime', 7), ('age', 69), ('prior', 0)])")" 1e-6; then ok; else bad "predicted risk"; fi
# a damaged model file is refused
cp "$WORK/v.gmdl" "$WORK/bad.gmdl"
printf 'X' | dd of="$WORK/bad.gmdl" bs=1 seek=200 conv=notrunc 2> /dev/null
expect_fail 2 "bad.gmdl" -- $GMDL cox --model "$WORK/bad.gmdl" --predict "$S/veteran.csv"

# --split: seeded, a test C-index with a bootstrap interval; the same seed gives the same numbers
$GMDL cox $R --split 0.25 --seed 3 --json -q > "$WORK/s1.json"
$GMDL cox $R --split 0.25 --seed 3 --json -q > "$WORK/s2.json"
if cmp -s "$WORK/s1.json" "$WORK/s2.json" && [ "$(jget "$WORK/s1.json" "d['n'], 'test_ci' in d['concordance']")" = "324 True" ]; then ok; else bad "split: $(cat "$WORK/s1.json")"; fi
# an MLP: trains, saves, predicts from the file
$GMDL cox $R --arch mlp:8 --epochs 50 --threads 1 --out "$WORK/m.gmdl" --json -q > "$WORK/m.json"
if [ "$(jget "$WORK/m.json" "d['arch'], d['epochs'] <= 50, d['loglik'] > d['loglik_null']")" = "mlp:8 True True" ] &&
    $GMDL cox --model "$WORK/m.gmdl" --predict "$S/rossi.csv" --times 10 -q > "$WORK/mp.csv" && [ "$(wc -l < "$WORK/mp.csv")" = 433 ]; then ok; else bad "mlp: $(cat "$WORK/m.json")"; fi

# SGD with momentum trains too
$GMDL cox $R --arch mlp:8 --optim sgd --lr 0.01 --epochs 40 --threads 1 --json -q > "$WORK/sgd.json"
if [ "$(jget "$WORK/sgd.json" "d['loglik'] > d['loglik_null'], d['epochs'] <= 40")" = "True True" ]; then ok; else bad "sgd: $(cat "$WORK/sgd.json")"; fi
expect_fail 2 "--optim must be adam or sgd" -- $GMDL cox $R --arch mlp:8 --optim rmsprop

# malformed input: exit 2, one line naming FILE:LINE or the column
printf 't,e,x,c\n5,1,1.5,1\n0,0,2.5,1\n7,1,3.0,1\n' > "$WORK/t0.csv"
expect_fail 2 "t0.csv:3: column t: time '0' is not a positive number" -- $GMDL cox --data "$WORK/t0.csv" --time t --event e --x x
printf 't,e,x\n5,1,1.5\n-2,0,2.5\n7,1,3.0\n' > "$WORK/tneg.csv"
expect_fail 2 "tneg.csv:3: column t: time '-2'" -- $GMDL cox --data "$WORK/tneg.csv" --time t --event e
printf 't,e,x\n5,1,1.5\n,0,2.5\n7,1,3.0\n' > "$WORK/tmiss.csv"
expect_fail 2 "tmiss.csv:3: column t: missing value" -- $GMDL cox --data "$WORK/tmiss.csv" --time t --event e
printf 't,e,x\n5,2,1.5\n6,1,2.5\n7,3,3.0\n' > "$WORK/ev.csv"
expect_fail 2 "ev.csv:4: column e: value '3' is outside the event mapping" -- $GMDL cox --data "$WORK/ev.csv" --time t --event e --event-value 2
expect_fail 2 "ev.csv:3: column e: value '1' is outside" -- $GMDL cox --data "$WORK/ev.csv" --time t --event e --event-value 2 --censor-value 0
printf 't,e,x\n5,yes,1.5\n6,no,2.5\n' > "$WORK/evs.csv"
expect_fail 2 "evs.csv:2: column e: event value 'yes' is not a number" -- $GMDL cox --data "$WORK/evs.csv" --time t --event e
expect_fail 2 "unknown covariate column 'nope'" -- $GMDL cox --data "$WORK/t0.csv" --time t --event e --x x,nope
expect_fail 2 "unknown time column 'tt'" -- $GMDL cox --data "$WORK/t0.csv" --time tt --event e
printf 't,e,x,c\n5,1,1.5,1\n6,0,2.5,1\n7,1,3.0,1\n' > "$WORK/const.csv"
expect_fail 2 "covariate column c is constant" -- $GMDL cox --data "$WORK/const.csv" --time t --event e
expect_fail 2 "--ties must be efron or breslow" -- $GMDL cox $R --ties exact
expect_fail 2 "architecture 'mlp:0'" -- $GMDL cox $R --arch mlp:0
expect_fail 2 "--data FILE.csv to fit" -- $GMDL cox --time week
expect_fail 2 "has no level 'oat'" -- $GMDL cox $V --baseline celltype=oat

# gmdl km: lung (R survfit), groups, the PNG plot, JSON
$GMDL km --data "$S/lung.csv" --time time --event status --event-value 2 --json > "$WORK/k.json"
if "$JSON_CHECK" "$WORK/k.json" && python3 -c "
import json, sys
g = json.load(open(sys.argv[1]))['groups'][0]
i = g['time'].index(310)
sys.exit(not (g['n'] == 228 and g['events'] == 165 and g['median'] == 310 and abs(g['surv'][-1] - 0.0503455680708) < 1e-9
              and abs(g['se'][-1] - 0.0228480489161) < 1e-9 and g['n_risk'][0] == 228 and abs(g['surv'][i] - 0.495024293181) < 1e-9))
" "$WORK/k.json"; then ok; else bad "km lung: $(head -c 300 "$WORK/k.json")"; fi
if $GMDL km --data "$S/lung.csv" --time time --event status --event-value 2 --group sex --plot "$WORK/km.png" > "$WORK/k.txt" 2> "$WORK/k.err"; then ok; else bad "km --group: $(cat "$WORK/k.err")"; fi
if grep -q "^group 1 n= 138, events= 112, median= 270" "$WORK/k.txt" && grep -q "^group 2 n= 90, events= 53, median= 426" "$WORK/k.txt"; then ok; else bad "km groups: $(grep group "$WORK/k.txt")"; fi
if [ "$(head -c 4 "$WORK/km.png" | od -An -c | tr -d ' ')" = "211PNG" ] || grep -q "cairo" "$WORK/k.err"; then ok; else bad "km.png is not a PNG"; fi
expect_fail 2 "unknown event column 'dead'" -- $GMDL km --data "$S/lung.csv" --time time --event dead
for c in cox km; do
    h=$($GMDL $c --help)
    if echo "$h" | grep -q -- "--json" && echo "$h" | grep -q -- "-q, --quiet"; then ok; else bad "'gmdl $c --help' lacks --json or --quiet"; fi
done
finish
