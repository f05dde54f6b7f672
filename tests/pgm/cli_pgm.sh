# Command-line tests of gmdl bn and gmdl mrf: results, JSON keys, exit codes and messages.
#   bash cli_pgm.sh GMDL DATA_DIR FIXTURE_DIR
# Ends with "N passed, N failed"; non-zero exit status on any failure.
set -u
GMDL=$1
DATA=$2
FIX=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/checks.sh"
for f in "$DATA/bif/asia.bif" "$DATA/bif/alarm.bif" "$DATA/uai/Promedus_24.uai" "$FIX/small.uai"; do
    [ -r "$f" ] || { bad "missing test data $f"; finish; }
done

# run_ok command...: exit 0, stdout in $WORK/out
run_ok() {
    "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null
    local rc=$?
    if [ "$rc" != 0 ]; then
        bad "'$*' exited $rc: $(cat "$WORK/err")"
        return 1
    fi
    ok
}

contains() { # contains STRING: $WORK/out contains STRING
    if grep -qF -- "$1" "$WORK/out"; then ok; else bad "output lacks '$1': $(head -c 400 "$WORK/out")"; fi
}

near() { # near A B TOL
    if awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; then
        ok
    else
        bad "$1 is not within $3 of $2"
    fi
}

num() { # num KEY: the number after "KEY": in $WORK/out
    grep -o "\"$1\": [-0-9.eE+]*" "$WORK/out" | head -1 | sed 's/.*: //'
}

# ---- bn info: counts of SOURCE.md for every file
for spec in asia:8:8:18 cancer:5:4:10 earthquake:5:4:10 survey:6:6:21 sachs:11:17:178 \
            child:20:25:230 alarm:37:46:509; do
    IFS=: read -r name nodes arcs params <<< "$spec"
    if run_ok "$GMDL" bn info "$DATA/bif/$name.bif" --json; then
        [ "$(num n_nodes)" = "$nodes" ] && ok || bad "$name nodes $(num n_nodes) != $nodes"
        [ "$(num n_arcs)" = "$arcs" ] && ok || bad "$name arcs $(num n_arcs) != $arcs"
        [ "$(num n_parameters)" = "$params" ] && ok || bad "$name params $(num n_parameters)"
        n_edges=$(grep -o '"edges": \[.*\]' "$WORK/out" | grep -o '\["[^]]*"\]' | wc -l)
        [ "$n_edges" = "$arcs" ] && ok || bad "$name: $n_edges edges listed, want $arcs"
    fi
done
run_ok "$GMDL" bn info "$DATA/bif/asia.bif" --json && contains '{"name": "either", "states": ["yes", "no"], "parents": ["lung", "tub"]}'
run_ok "$GMDL" bn info "$DATA/bif/asia.bif" && contains "8 nodes, 8 arcs, 18 free parameters"

# ---- bn dsep
run_ok "$GMDL" bn dsep "$DATA/bif/asia.bif" asia smoke --json && contains '"dseparated": true'
run_ok "$GMDL" bn dsep "$DATA/bif/asia.bif" asia smoke --given xray --json && contains '"dseparated": false'
run_ok "$GMDL" bn dsep "$DATA/bif/asia.bif" xray smoke,tub --given either --json && contains '"dseparated": true'
run_ok "$GMDL" bn dsep "$DATA/bif/asia.bif" bronc lung --given smoke,dysp --json && contains '"dseparated": false'
run_ok "$GMDL" bn dsep "$DATA/bif/asia.bif" xray --given either --reachable --json && contains '"reachable": []'
run_ok "$GMDL" bn dsep "$DATA/bif/asia.bif" asia --given xray --reachable --json && \
    contains '"reachable": ["tub", "smoke", "lung", "bronc", "either", "dysp"]'
expect_fail 2 "no node named 'nope'" -- "$GMDL" bn dsep "$DATA/bif/asia.bif" asia nope

# ---- bn query
run_ok "$GMDL" bn query "$DATA/bif/asia.bif" --target xray --json && {
    contains '"target": "xray"'
    contains '"method": "exact"'
    near "$(grep -o '"yes": [0-9.e-]*' "$WORK/out" | sed 's/.*: //')" 0.11029 1e-6
}
run_ok "$GMDL" bn query "$DATA/bif/asia.bif" --target dysp --method ve --json && \
    near "$(grep -o '"yes": [0-9.e-]*' "$WORK/out" | sed 's/.*: //')" 0.435971 1e-6
for m in lw rejection gibbs; do
    run_ok "$GMDL" bn query "$DATA/bif/asia.bif" --target lung --evidence xray=yes,dysp=yes \
        --method $m --samples 100000 --seed 3 --json && {
        contains '"samples": '
        contains '"ess": '
        near "$(grep -o '"yes": [0-9.e-]*' "$WORK/out" | sed 's/.*: //')" 0.621253 0.03
        cp "$WORK/out" "$WORK/first"
        run_ok "$GMDL" bn query "$DATA/bif/asia.bif" --target lung --evidence xray=yes,dysp=yes \
            --method $m --samples 100000 --seed 3 --json
        if cmp -s <(sed 's/"time": [0-9.e-]*//' "$WORK/first") <(sed 's/"time": [0-9.e-]*//' "$WORK/out"); then ok; else bad "$m not reproducible"; fi
    }
done
expect_fail 2 "no state 'maybe'" -- "$GMDL" bn query "$DATA/bif/asia.bif" --target xray --evidence tub=maybe
expect_fail 2 "probability zero" -- "$GMDL" bn query "$DATA/bif/asia.bif" --target xray --evidence tub=yes,either=no
expect_fail 2 "--method" -- "$GMDL" bn query "$DATA/bif/asia.bif" --target xray --method magic
expect_fail 2 "--target is required" -- "$GMDL" bn query "$DATA/bif/asia.bif"
expect_fail 1 "largest clique" "MiB" -- "$GMDL" bn query "$DATA/bif/alarm.bif" --target HR --max-mem 1K
expect_fail 2 "unknown option" -- "$GMDL" bn query "$DATA/bif/asia.bif" --target xray --bogus
run_ok "$GMDL" bn query --help && contains "--evidence"

# ---- bn sample
run_ok "$GMDL" bn sample "$DATA/bif/asia.bif" --n 1000 --seed 5 && {
    [ "$(head -1 "$WORK/out")" = "asia,tub,smoke,lung,bronc,either,xray,dysp" ] && ok || bad "CSV header: $(head -1 "$WORK/out")"
    [ "$(wc -l < "$WORK/out")" = 1001 ] && ok || bad "CSV rows: $(wc -l < "$WORK/out")"
    cp "$WORK/out" "$WORK/s1"
    run_ok "$GMDL" bn sample "$DATA/bif/asia.bif" -n 1000 --seed 5
    cmp -s "$WORK/s1" "$WORK/out" && ok || bad "bn sample not reproducible"
}
expect_fail 2 "--n is required" -- "$GMDL" bn sample "$DATA/bif/asia.bif"

# ---- malformed files: exit 2, file:line and the problem
expect_fail 2 "truncated.bif:14:" "end of file" -- "$GMDL" bn info "$FIX/truncated.bif"
expect_fail 2 "wrong_state_count.bif:4:" "declares 3 states" -- "$GMDL" bn info "$FIX/wrong_state_count.bif"
expect_fail 2 "non_numeric.bif:14:" "not a number" -- "$GMDL" bn info "$FIX/non_numeric.bif"
expect_fail 2 "unknown_variable.bif:16:" "unknown variable 'c'" -- "$GMDL" bn info "$FIX/unknown_variable.bif"
expect_fail 2 "cycle.bif:13:" "cycle" -- "$GMDL" bn info "$FIX/cycle.bif"
expect_fail 2 "negative.bif:13:" "negative probability" -- "$GMDL" bn query "$FIX/negative.bif" --target a
expect_fail 2 "missing_row.bif:12:" "no row" -- "$GMDL" bn info "$FIX/missing_row.bif"
expect_fail 2 "no_such.bif" -- "$GMDL" bn info "$FIX/no_such.bif"
expect_fail 2 "uai_wrong_count.uai:11:" "expected 4" -- "$GMDL" mrf pr "$FIX/uai_wrong_count.uai"
expect_fail 2 "uai_truncated.uai:12:" "end of file" -- "$GMDL" mrf mar "$FIX/uai_truncated.uai"
expect_fail 2 "uai_non_numeric.uai:9:" -- "$GMDL" mrf pr "$FIX/uai_non_numeric.uai"
expect_fail 2 "bad_value.evid:1:" -- "$GMDL" mrf pr "$FIX/small.uai" --evid "$FIX/bad_value.evid"

# ---- mrf pr / mar
for inst in Promedus_24 Pedigree_11 Segmentation_11 CSP_12; do
    ref=$(tail -1 "$DATA/uai/$inst.uai.PR")
    run_ok "$GMDL" mrf pr "$DATA/uai/$inst.uai" --evid "$DATA/uai/$inst.uai.evid" --json && \
        near "$(num log10_pr)" "$ref" 1e-3
done
run_ok "$GMDL" mrf pr "$DATA/uai/Promedus_24.uai" --evid "$DATA/uai/Promedus_24.uai.evid" --method bp --json && {
    contains '"converged": true'
    near "$(num log10_pr)" -5.86181 0.01
}
run_ok "$GMDL" mrf mar "$FIX/small.uai" --evid "$FIX/small.uai.evid" && {
    [ "$(head -1 "$WORK/out")" = "MAR" ] && ok || bad "MAR header"
    contains "2 2 0.333333333 0.666666667 2 0 1"
}
run_ok "$GMDL" mrf mar "$FIX/small.uai" --json && contains '"marginals": [[0.29999999999999999, 0.69999999999999996], [0.40000000000000002, 0.59999999999999998]]'
run_ok "$GMDL" mrf mar "$FIX/small.uai" --method gibbs --samples 20000 --json && contains '"marginals": '
run_ok "$GMDL" mrf mar "$DATA/uai/Promedus_24.uai" --evid "$DATA/uai/Promedus_24.uai.evid" && {
    # compare with the reference MAR file, all numbers to 1e-5
    maxd=$(paste <(tr -s ' \n' '\n\n' < "$WORK/out" | sed '/^$/d') \
                 <(tr -s ' \n' '\n\n' < "$DATA/uai/Promedus_24.uai.MAR" | sed '/^$/d') |
           awk 'NR > 1 { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }')
    near "$maxd" 0 1e-5
}
expect_fail 1 "largest clique" "{x" -- "$GMDL" mrf pr "$DATA/uai/CSP_12.uai" --max-mem 1M
run_ok "$GMDL" mrf pr "$FIX/small.uai" --method gibbs --samples 20000 --json && near "$(num log10_pr)" 0.69897 0.01
# ---- mrf solve: both tasks from one run, byte for byte the blocks of pr and mar
P=("$DATA/uai/Segmentation_11.uai" --evid "$DATA/uai/Segmentation_11.uai.evid")
"$GMDL" mrf pr "${P[@]}" > "$WORK/pr.txt" && "$GMDL" mrf mar "${P[@]}" > "$WORK/mar.txt" &&
    cat "$WORK/pr.txt" "$WORK/mar.txt" > "$WORK/both.txt"
run_ok "$GMDL" mrf solve "${P[@]}" && { cmp -s "$WORK/out" "$WORK/both.txt" && ok || bad "solve != pr + mar"; }
run_ok "$GMDL" mrf solve "${P[@]}" --task mar && { cmp -s "$WORK/out" "$WORK/mar.txt" && ok || bad "solve --task mar != mar"; }
run_ok "$GMDL" mrf solve "${P[@]}" --task PR --threads 2 && { cmp -s "$WORK/out" "$WORK/pr.txt" && ok || bad "solve --task PR != pr"; }
run_ok "$GMDL" mrf solve "${P[@]}" --json && {
    contains '"tasks": "PR,MAR"'
    contains '"marginals": [['
    near "$(num log10_pr)" -23.9961 1e-3
}
run_ok "$GMDL" mrf solve "$FIX/small.uai" --method bp --json && contains '"log10_pr"'
expect_fail 2 "--task must be PR, MAR or PR,MAR" "PR,XY" -- "$GMDL" mrf solve "$FIX/small.uai" --task PR,XY
expect_fail 2 "separate runs" -- "$GMDL" mrf solve "$FIX/small.uai" --method gibbs
expect_fail 2 "unknown subcommand" -- "$GMDL" mrf frobnicate "$FIX/small.uai"
run_ok "$GMDL" mrf --help && contains "pr"

finish
