# Command-line tests of the issue-21 queries and formats: gmdl bn query with several targets,
# --all, --joint and --batch; gmdl bn map; gmdl mrf map (the UAI MPE format); gmdl bn convert.
#   bash cli_bnq.sh GMDL DATA_DIR
# Ends with "N passed, N failed"; non-zero exit status on any failure.
set -u
GMDL=$1
DATA=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/checks.sh"
ASIA=$DATA/bif/asia.bif
run_ok() {
    "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null
    local rc=$?
    if [ "$rc" != 0 ]; then bad "'$*' exited $rc: $(cat "$WORK/err")"; return 1; fi
    ok
}
contains() { if grep -qF -- "$1" "$WORK/out"; then ok; else bad "output lacks '$1': $(head -c 400 "$WORK/out")"; fi; }
num() { grep -o "\"$1\": [-0-9.eE+]*" "$WORK/out" | head -1 | sed 's/.*: //'; }

# ---- query: several targets and --all (one calibration) agree with one-target queries
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' && ok || bad "$1 is not within $3 of $2"; }
lung_yes() { grep -o '"lung": {"yes": [-0-9.eE+]*' "$WORK/out" | sed 's/.*: //'; }
run_ok "$GMDL" bn query "$ASIA" --target lung --evidence smoke=yes --json
one=$(grep -o '"probabilities": {"yes": [-0-9.eE+]*' "$WORK/out" | sed 's/.*: //')
run_ok "$GMDL" bn query "$ASIA" --target lung,tub --evidence smoke=yes --json &&
    contains "\"targets\": [\"lung\", \"tub\"]" && near "$(lung_yes)" "$one" 1e-12
run_ok "$GMDL" bn query "$ASIA" --all --evidence smoke=yes --json && near "$(lung_yes)" "$one" 1e-12 &&
    contains '"dysp": {' && contains '"log_evidence": -0.69314718055994'
run_ok "$GMDL" bn query "$ASIA" --target lung,tub && contains "P(tub) by exact:"
# ---- joint: P(lung, tub | smoke=yes) = P(lung | smoke) P(tub) here (d-separated)
run_ok "$GMDL" bn query "$ASIA" --joint lung,tub --evidence smoke=yes --json &&
    contains '{"states": ["yes", "yes"], "p": 0.00103999999999999' && contains '"joint": ['
# ---- batch: rows from a CSV, a repeated row answered once; CSV and JSON lines
printf 'smoke,xray,dysp\nyes,,\nno,yes,\nyes,,\n,,\nyes,no,no\n' > "$WORK/ev.csv"
run_ok "$GMDL" bn query "$ASIA" --batch "$WORK/ev.csv" --target lung
[ "$(wc -l < "$WORK/out")" = 6 ] && ok || bad "batch CSV: $(cat "$WORK/out")"
contains "row,log_evidence,lung=yes,lung=no"
contains "1,-0.69314718055994"
grep -q "5 rows, 4 calibrations" "$WORK/err" && ok || bad "batch note: $(cat "$WORK/err")"
row1=$(sed -n 2p "$WORK/out" | cut -d, -f2-); row3=$(sed -n 4p "$WORK/out" | cut -d, -f2-)
[ "$row1" = "$row3" ] && ok || bad "repeated rows differ: $row1 / $row3"
run_ok "$GMDL" bn query "$ASIA" --batch "$WORK/ev.csv" --json
[ "$(grep -c '"row": ' "$WORK/out")" = 5 ] && ok || bad "batch JSON lines: $(head -c 300 "$WORK/out")"
contains '{"row": 4, "log_evidence": ' && contains '"marginals": {"asia": {"yes": 0.01'
# ---- map: the MPE of asia given dysp=yes; a MAP over lung
run_ok "$GMDL" bn map "$ASIA" --evidence dysp=yes --json &&
    contains '"assignment": {"asia": "no", "tub": "no", "smoke": "yes", "lung": "no", "bronc": "yes", "either": "no", "xray": "no"}' &&
    contains '"log10_prob": -0.696552254365'
run_ok "$GMDL" bn map "$ASIA" --evidence dysp=yes --method ve --json && contains '"log10_prob": -0.696552254365'
run_ok "$GMDL" bn map "$ASIA" --evidence dysp=yes --vars lung --json &&
    contains '"assignment": {"lung": "no"}' && contains '"task": "MAP"'
# ---- mrf map: the UAI MPE format; JSON keys
run_ok "$GMDL" mrf map "$DATA/uai/Promedus_24.uai" --evid "$DATA/uai/Promedus_24.uai.evid"
[ "$(sed -n 1p "$WORK/out")" = MPE ] && ok || bad "mrf map: no MPE line"
n=$(sed -n 2p "$WORK/out" | awk '{print $1}'); w=$(sed -n 2p "$WORK/out" | awk '{print NF}')
[ "$w" = $((n + 1)) ] && ok || bad "mrf map: $n variables but $w fields"
run_ok "$GMDL" mrf map "$DATA/uai/Promedus_24.uai" --evid "$DATA/uai/Promedus_24.uai.evid" --json &&
    contains '"log10_prob": -6.10232667990' && contains '"assignment": ['
run_ok "$GMDL" mrf map "$DATA/uai/Promedus_24.uai" --vars 0,1 --json && contains '"task": "MAP"'
# ---- convert: every format reads back to the same net and the same answers
run_ok "$GMDL" bn info "$DATA/bif/alarm.bif" --json; sed 's/"file": "[^"]*", //' "$WORK/out" > "$WORK/info0"
"$GMDL" bn query "$DATA/bif/alarm.bif" --all --evidence HR=LOW --json | sed 's/"time": .*//' > "$WORK/q0"
prev=$DATA/bif/alarm.bif
for ext in xmlbif net dsc xml bif; do
    run_ok "$GMDL" bn convert "$prev" --out "$WORK/a.$ext" --json && contains '"n_arcs": 46'
    "$GMDL" bn info "$WORK/a.$ext" --json | sed 's/"file": "[^"]*", //' > "$WORK/info1"
    cmp -s "$WORK/info0" "$WORK/info1" && ok || bad "bn info of a.$ext differs"
    "$GMDL" bn query "$WORK/a.$ext" --all --evidence HR=LOW --json | sed 's/"time": .*//' > "$WORK/q1"
    cmp -s "$WORK/q0" "$WORK/q1" && ok || bad "bn query --all on a.$ext differs"
    prev=$WORK/a.$ext
done
run_ok "$GMDL" bn convert "$ASIA" --out "$WORK/asia.uai" -q
[ ! -s "$WORK/out" ] && ok || bad "convert -q printed: $(cat "$WORK/out")"
run_ok "$GMDL" mrf pr "$WORK/asia.uai" --json && near "$(num log10_pr)" 0 1e-12
# ---- help and exit codes
for c in "bn query" "bn map" "bn convert" "mrf map"; do
    # shellcheck disable=SC2086
    run_ok "$GMDL" $c --help && contains "usage: gmdl $c"
done
"$GMDL" bn query "$ASIA" --all --joint lung,tub > /dev/null 2>&1; [ $? = 2 ] && ok || bad "--all --joint not exit 2"
"$GMDL" bn map "$ASIA" --method max > /dev/null 2>&1; [ $? = 2 ] && ok || bad "--method max not exit 2"
finish
