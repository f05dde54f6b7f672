# gmdl bn structure and gmdl bn score (issue 21 structure learning, issue 17's BDeu evidence):
# JSON keys, recovery of asia from samples by both methods, the reported score against gmdl bn
# score, black and white lists, the true net's evidence above a poorer structure's, and bad input
# (exit 2 naming the file and line).
#   bash structure.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR
. "$(dirname "$0")/lib.sh"
SRC=$4
BIF=$SRC/tests/data/bif
D=$WORK/asia.csv

$GMDL bn sample "$BIF/asia.bif" --n 5000 --seed 3 > "$D" 2> "$WORK/e" && ok || bad "bn sample: $(cat "$WORK/e")"
$GMDL bn structure --help > "$WORK/h" && grep -q -- "--blacklist" "$WORK/h" && ok || bad "structure --help"
$GMDL bn score --help > "$WORK/h" && grep -q -- "--score" "$WORK/h" && ok || bad "score --help"

# ---- hill climbing and PC on asia: keys, SHD, the written net loads and answers a query
for m in hc pc; do
    $GMDL bn structure --data "$D" --out "$WORK/$m.bif" --method $m --true "$BIF/asia.bif" --json \
        > "$WORK/$m.json" 2> "$WORK/e" || bad "structure --method $m: $(cat "$WORK/e")"
    for k in edges score shd true_arcs arcs undirected method rows seconds; do
        grep -q "\"$k\":" "$WORK/$m.json" && ok || bad "structure $m --json lacks $k: $(cat "$WORK/$m.json")"
    done
    [ "$(json_field "$WORK/$m.json" true_arcs)" = 8 ] && ok || bad "true_arcs of asia is not 8"
    $GMDL bn info "$WORK/$m.bif" --json > "$WORK/i.json" 2> "$WORK/e" && ok || bad "learned $m net does not load: $(cat "$WORK/e")"
    $GMDL bn query "$WORK/$m.bif" --target lung --evidence smoke=yes --json > /dev/null 2> "$WORK/e" && ok ||
        bad "query on the learned $m net: $(cat "$WORK/e")"
done
awk -v s="$(json_field "$WORK/hc.json" shd)" 'BEGIN { exit !(s <= 2) }' && ok || bad "hc SHD on asia above 2: $(cat "$WORK/hc.json")"
awk -v s="$(json_field "$WORK/pc.json" shd)" 'BEGIN { exit !(s <= 8) }' && ok || bad "pc SHD on asia above 8: $(cat "$WORK/pc.json")"
[ "$(json_field "$WORK/pc.json" tests)" -gt 0 ] && ok || bad "pc ran no test"

# ---- the reported score is gmdl bn score's for the written structure (BIC and BDeu)
for sc in bic bdeu:2; do
    $GMDL bn structure --data "$D" --out "$WORK/s.bif" --score $sc --json > "$WORK/s.json" 2> "$WORK/e" || bad "structure --score $sc: $(cat "$WORK/e")"
    $GMDL bn score "$WORK/s.bif" --data "$D" --score $sc --json > "$WORK/sc.json" 2> "$WORK/e" || bad "bn score $sc: $(cat "$WORK/e")"
    awk -v a="$(json_field "$WORK/s.json" score)" -v b="$(json_field "$WORK/sc.json" score)" \
        'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-6 * (1 + (b < 0 ? -b : b))) }' && ok ||
        bad "structure score $(json_field "$WORK/s.json" score) != bn score $(json_field "$WORK/sc.json" score) ($sc)"
done
grep -q '"families": {"asia"' "$WORK/sc.json" && ok || bad "bn score --json lacks families: $(cat "$WORK/sc.json")"

# ---- the evidence prefers the true structure to a one-arc net (--max-steps 1, no tabu)
$GMDL bn structure --data "$D" --out "$WORK/one.bif" --max-steps 1 --tabu 0 -q > /dev/null 2> "$WORK/e" || bad "max-steps 1: $(cat "$WORK/e")"
$GMDL bn score "$BIF/asia.bif" --data "$D" --json > "$WORK/t.json" 2> /dev/null
$GMDL bn score "$WORK/one.bif" --data "$D" --json > "$WORK/o.json" 2> /dev/null
awk -v t="$(json_field "$WORK/t.json" score)" -v o="$(json_field "$WORK/o.json" score)" 'BEGIN { exit !(t > o + 100) }' && ok ||
    bad "BDeu evidence of asia $(json_field "$WORK/t.json" score) not above the one-arc net's $(json_field "$WORK/o.json" score)"
[ "$(json_field "$WORK/o.json" rows)" = 5000 ] && ok || bad "bn score rows"

# ---- black and white lists
printf 'from,to\n# comment\nsmoke,lung\nlung,smoke\n' > "$WORK/black.txt"
printf 'asia -> dysp\n' > "$WORK/white.txt"
for m in hc pc; do
    $GMDL bn structure --data "$D" --out "$WORK/l.bif" --method $m --blacklist "$WORK/black.txt" \
        --whitelist "$WORK/white.txt" --json > "$WORK/l.json" 2> "$WORK/e" || bad "lists ($m): $(cat "$WORK/e")"
    grep -q '\["asia", "dysp"\]' "$WORK/l.json" && ok || bad "$m: whitelisted asia -> dysp missing: $(cat "$WORK/l.json")"
    grep -q '\["smoke", "lung"\]\|\["lung", "smoke"\]' "$WORK/l.json" && bad "$m: blacklisted smoke - lung learned" || ok
done

# ---- bad input
expect_fail 2 "--data" -- $GMDL bn structure --out "$WORK/x.bif"
expect_fail 2 "--method" -- $GMDL bn structure --data "$D" --out "$WORK/x.bif" --method ges
expect_fail 2 "--score" -- $GMDL bn structure --data "$D" --out "$WORK/x.bif" --score aic
expect_fail 2 "--score" -- $GMDL bn score "$BIF/asia.bif" --data "$D" --score bdeu:0
expect_fail 2 "alpha" -- $GMDL bn structure --data "$D" --out "$WORK/x.bif" --method pc --alpha 1.5
printf 'asia,nosuchnode\n' > "$WORK/badlist.txt"
expect_fail 2 "badlist.txt:1:" "nosuchnode" -- $GMDL bn structure --data "$D" --out "$WORK/x.bif" --blacklist "$WORK/badlist.txt"
printf 'asia,smoke\nasia\n' > "$WORK/badlist2.txt"
expect_fail 2 "badlist2.txt:2:" -- $GMDL bn structure --data "$D" --out "$WORK/x.bif" --whitelist "$WORK/badlist2.txt"
printf 'a,b\nx,y\n,y\n' > "$WORK/miss.csv"
expect_fail 2 "complete data" -- $GMDL bn structure --data "$WORK/miss.csv" --out "$WORK/x.bif"
head -3 "$D" | sed '3s/^[^,]*,/,/' > "$WORK/miss2.csv"
expect_fail 2 "complete data" -- $GMDL bn score "$BIF/asia.bif" --data "$WORK/miss2.csv"
printf 'a,a\nx,y\n' > "$WORK/dup.csv"
expect_fail 2 "dup.csv:1:" -- $GMDL bn structure --data "$WORK/dup.csv" --out "$WORK/x.bif"
[ ! -e "$WORK/x.bif" ] && ok || bad "a failed run left $WORK/x.bif"
finish
