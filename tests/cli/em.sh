# gmdl em gmm|bernoulli and gmdl bn learn / bn sample --missing: the published faithful fit
# (issue 15, acceptance 1), monotone log-likelihoods, PNGs, learning from sampled data with and
# without missing cells, and the malformed inputs of acceptance 7 (exit 2 naming file:line and
# the column; a net too big for EM exits 1 and says so).
#   bash em.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR
. "$(dirname "$0")/lib.sh"
SRC=$4
BIF=$SRC/tests/data/bif
F=$SRC/tests/data/em/faithful.csv

is_png() { [ "$(head -c 8 "$1" 2> /dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
# nondecreasing FILE KEY: the numbers of the JSON array KEY never decrease
nondecreasing() {
    grep -o "\"$2\": \[[^]]*\]" "$1" | sed 's/.*\[//; s/\]//' | tr ',' '\n' |
        awk 'NR > 1 && $1 < prev { bad = 1 } { prev = $1; n++ } END { exit (bad || n < 2) }'
}

# ---- acceptance 1: mixtools' fit of waiting, two components, tied variance
$GMDL em gmm --data "$F" -k 2 --x waiting --cov tied > "$WORK/f.txt" 2> "$WORK/e" || bad "em gmm: $(cat "$WORK/e")"
awk 'BEGIN { n = 0 } /^  component/ { w[n] = $4; m[n] = $6; s[n] = $8; n++ }
     /^log-likelihood/ { ll = $2 }
     END {
       lo = m[0] < m[1] ? 0 : 1; hi = 1 - lo
       d = 0
       d += (w[lo] - 0.3608498)^2 > 1e-8; d += (w[hi] - 0.6391502)^2 > 1e-8
       d += (m[lo] - 54.61364)^2 > 1e-8; d += (m[hi] - 80.09031)^2 > 1e-8
       d += (s[lo] - 5.869089)^2 > 1e-8; d += (s[hi] - 5.869089)^2 > 1e-8
       d += (ll + 1034.002)^2 > 1e-6
       exit (d > 0) }' "$WORK/f.txt" && ok || bad "faithful fit differs from mixtools: $(cat "$WORK/f.txt")"
$GMDL em gmm --data "$F" -k 2 --x waiting --cov tied --json > "$WORK/f.json" 2> /dev/null
for k in loglik weights means covariances bic; do
    grep -q "\"$k\":" "$WORK/f.json" && ok || bad "em gmm --json lacks $k"
done
nondecreasing "$WORK/f.json" loglik && ok || bad "em gmm: log-likelihood decreased: $(cat "$WORK/f.json")"
# 2-D, every covariance type: monotone, and a PNG of the fit
for cov in full diag tied; do
    $GMDL em gmm --data "$F" -k 2 --cov $cov --plot "$WORK/f2$cov.png" --json > "$WORK/f2.json" 2> "$WORK/e"
    nondecreasing "$WORK/f2.json" loglik && ok || bad "em gmm --cov $cov: $(cat "$WORK/e")"
    is_png "$WORK/f2$cov.png" && ok || bad "em gmm --cov $cov --plot: $(cat "$WORK/e")"
done
$GMDL em gmm --data "$F" -k 2 --x waiting --plot "$WORK/f1.png" -q > /dev/null 2> "$WORK/e"
is_png "$WORK/f1.png" && ok || bad "em gmm 1-D --plot: $(cat "$WORK/e")"
[ ! -s "$WORK/e" ] && ok || bad "em gmm -q printed: $(cat "$WORK/e")"

# ---- em bernoulli on a synthetic IDX set
D=$WORK/idx
mkdir -p "$D"
"$MAKE_IDX" "$D" 300 50 || exit 1
$GMDL em bernoulli --data "$D" -k 3 --plot "$WORK/b.png" --json > "$WORK/b.json" 2> "$WORK/e" || bad "em bernoulli: $(cat "$WORK/e")"
for k in loglik weights; do
    grep -q "\"$k\":" "$WORK/b.json" && ok || bad "em bernoulli --json lacks $k"
done
nondecreasing "$WORK/b.json" objective && ok || bad "em bernoulli: objective decreased"
is_png "$WORK/b.png" && ok || bad "em bernoulli --plot"

# ---- bn sample --missing and bn learn
$GMDL bn sample "$BIF/asia.bif" --n 3000 --seed 3 --missing 0.2 > "$WORK/asia.csv"
$GMDL bn sample "$BIF/asia.bif" --n 3000 --seed 3 --missing 0.2 > "$WORK/asia2.csv"
cmp -s "$WORK/asia.csv" "$WORK/asia2.csv" && ok || bad "bn sample --missing is not reproducible"
empty=$(tail -n +2 "$WORK/asia.csv" | tr ',' '\n' | grep -c '^$')
awk -v e="$empty" 'BEGIN { f = e / 24000; exit !(f > 0.18 && f < 0.22) }' && ok || bad "bn sample --missing 0.2 left $empty of 24000 cells empty"
$GMDL bn learn "$BIF/asia.bif" --data "$WORK/asia.csv" --out "$WORK/asia_l.bif" --json > "$WORK/l.json" 2> "$WORK/e" || bad "bn learn: $(cat "$WORK/e")"
for k in loglik iterations rows missing_cells; do
    grep -q "\"$k\":" "$WORK/l.json" && ok || bad "bn learn --json lacks $k"
done
[ "$(json_field "$WORK/l.json" missing_cells)" = "$empty" ] && ok || bad "bn learn counted $(json_field "$WORK/l.json" missing_cells) missing cells, not $empty"
nondecreasing "$WORK/l.json" loglik && ok || bad "bn learn: log-likelihood decreased: $(cat "$WORK/l.json")"
$GMDL bn info "$WORK/asia_l.bif" > /dev/null 2> "$WORK/e" && ok || bad "learned BIF does not read back: $(cat "$WORK/e")"
$GMDL bn sample "$BIF/asia.bif" --n 1000 > "$WORK/full.csv"
$GMDL bn learn "$BIF/asia.bif" --data "$WORK/full.csv" --out "$WORK/full.bif" --prior bdeu:1 > "$WORK/l.txt" 2> "$WORK/e"
grep -q "complete data" "$WORK/l.txt" && ok || bad "bn learn on complete data: $(cat "$WORK/l.txt" "$WORK/e")"
$GMDL bn sample "$BIF/asia.bif" --n 3 --missing 0.5 --json > "$WORK/s.json"
grep -q null "$WORK/s.json" && ok || bad "bn sample --missing --json has no null"

# ---- acceptance 7: malformed input
L="$GMDL bn learn $BIF/asia.bif --out $WORK/o.bif"
printf 'asia,smoke\nyes,no\nyes\n' > "$WORK/ragged.csv"
expect_fail 2 "ragged.csv:3" "smoke" -- $L --data "$WORK/ragged.csv"
printf 'asia,smoke\nyes,no\nyes,perhaps\n' > "$WORK/state.csv"
expect_fail 2 "state.csv:3" "'smoke'" "perhaps" -- $L --data "$WORK/state.csv"
printf 'asia,weather\nyes,sun\n' > "$WORK/col.csv"
expect_fail 2 "col.csv:1" "'weather'" "not a node" -- $L --data "$WORK/col.csv"
printf 'eruptions,waiting\n3.6,79\n1.8,soon\n' > "$WORK/num.csv"
expect_fail 2 "num.csv:3" "waiting" "not a number" -- $GMDL em gmm --data "$WORK/num.csv" -k 1
printf 'eruptions,waiting\n3.6,79\n1.8\n' > "$WORK/ragged2.csv"
expect_fail 2 "ragged2.csv:3" "waiting" -- $GMDL em gmm --data "$WORK/ragged2.csv" -k 1
expect_fail 2 "no column 'height'" -- $GMDL em gmm --data "$F" -k 2 --x height
expect_fail 2 "--cov" "spherical" -- $GMDL em gmm --data "$F" -k 2 --cov spherical
expect_fail 2 "--prior" -- $L --data "$WORK/asia.csv" --prior dirichlet
expect_fail 2 "-k" -- $GMDL em gmm --data "$F"
# a 20 x 20 grid of 4-state nodes (parents left and up): every node missing needs 4^21-entry cliques
awk 'BEGIN {
  print "network grid {\n}"
  for (i = 0; i < 400; i++) print "variable X" i " {\n  type discrete [ 4 ] { a, b, c, d };\n}"
  for (i = 0; i < 400; i++) {
    np = 0; p = ""
    if (i % 20) { p = "X" (i - 1); np++ }
    if (i >= 20) { p = p (np ? ", " : "") "X" (i - 20); np++ }
    if (np == 0) { print "probability ( X" i " ) {\n  table 0.25, 0.25, 0.25, 0.25;\n}"; continue }
    print "probability ( X" i " | " p " ) {\n  default 0.25, 0.25, 0.25, 0.25;\n}"
  } }' > "$WORK/grid.bif"
printf 'X0\n?\n' > "$WORK/grid.csv"
expect_fail 1 "too big for EM" -- $GMDL bn learn "$WORK/grid.bif" --data "$WORK/grid.csv" --out "$WORK/g.bif"
# every new --help lists --json and --quiet
for c in "em gmm" "em bernoulli" "bn learn" "bn sample"; do
    # shellcheck disable=SC2086
    h=$($GMDL $c --help)
    if echo "$h" | grep -q -- "--json" && echo "$h" | grep -q -- "-q, --quiet"; then ok; else bad "'gmdl $c --help' lacks --json or --quiet"; fi
done
$GMDL em --help | grep -q bernoulli && ok || bad "gmdl em --help"
expect_fail 2 "unknown subcommand" -- $GMDL em kmeans
finish
