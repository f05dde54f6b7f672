#!/bin/bash
# Issue 21, acceptance 4: every BIF of a folder round-trips through XMLBIF, Hugin .net, .dsc and
# back to BIF to the same network: the same `gmdl bn info --json` (nodes, states, parents, arcs,
# parameters) and the same `gmdl bn query --all --json` marginals, byte for byte, at every step.
# (tests/pgm/test_pgm_formats.c checks the CPTs bit for bit on the tests/data copies.)
#   bash bench/bn_formats.sh [GMDL] [BIF_DIR]     (defaults: build/gmdl, ../shared/data/bif)
set -u
GMDL=${1:-build/gmdl}
BIF=${2:-../shared/data/bif}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
for f in "$BIF"/*.bif; do
    name=$(basename "$f" .bif)
    "$GMDL" bn info "$f" --json | sed 's/"file": "[^"]*", //' > "$WORK/info0"
    "$GMDL" bn query "$f" --all --json | sed 's/"time": .*//' > "$WORK/q0"
    prev=$f steps=""
    for ext in xmlbif net dsc bif; do
        out=$WORK/$name.$ext
        if ! "$GMDL" bn convert "$prev" --out "$out" -q; then fail=1; steps="$steps $ext:FAILED"; break; fi
        "$GMDL" bn info "$out" --json | sed 's/"file": "[^"]*", //' > "$WORK/info1"
        "$GMDL" bn query "$out" --all --json | sed 's/"time": .*//' > "$WORK/q1"
        if cmp -s "$WORK/info0" "$WORK/info1" && cmp -s "$WORK/q0" "$WORK/q1"; then
            steps="$steps $ext:same"
        else
            steps="$steps $ext:DIFFERS"
            fail=1
        fi
        prev=$out
    done
    echo "$name:$steps"
done
[ $fail = 0 ] && echo "all round trips give the same network" || echo "SOME ROUND TRIPS DIFFER"
exit $fail
