#!/usr/bin/env bash
# bnlearn's figures next to gmdl's on the samples of bench/structure.sh (issue 21, acceptance 3).
# Draws the same samples (`gmdl bn sample NET.bif --n ROWS --seed S`, as bench/structure.sh does),
# runs gmdl's hill climbing with its defaults and PC at alpha 0.01 on each, then
# bench/structure_bnlearn.R runs bnlearn's hc and tabu (score "bic", defaults otherwise) and
# pc.stable (alpha 0.01, its default test) on the same CSV and prints the SHDs between CPDAGs
# side by side, with the medians per row. Optional: needs R and bnlearn, neither of which the
# project depends on. bnlearn from source (it needs only base R; 4.9 is the newest release that
# installs on R 4.2, 5.x needs R 4.4):
#   git clone https://github.com/cran/bnlearn
#   git -C bnlearn checkout 6eb02918238b240288e868865680459436c42340     # version 4.9
#   mkdir -p ~/rlib && R CMD INSTALL -l ~/rlib bnlearn
#   RLIB=~/rlib bash bench/structure_bnlearn.sh [GMDL] [BIF_DIR]
# (env: SEEDS="1 2 3 4 5", NETS="asia alarm child", SIZES="10000 50000", THREADS=1, RLIB: the
# library folder holding bnlearn, KEEP=DIR: keep the CSVs and learned nets there).
set -u
GMDL=${1:-build/gmdl}
BIF=${2:-$(dirname "$0")/../../shared/data/bif}
[ -f "$BIF/alarm.bif" ] || BIF=$(dirname "$0")/../tests/data/bif
SEEDS=${SEEDS:-1 2 3 4 5}
THREADS=${THREADS:-1}
NETS=${NETS:-asia alarm child}
SIZES=${SIZES:-10000 50000}
RLIB=${RLIB:-}
if [ -n "${KEEP:-}" ]; then
    TMP=$KEEP
    mkdir -p "$TMP"
else
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
fi
field() { grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'; }

echo "$("$GMDL" --version 2>&1 | head -1), BIF_DIR $BIF, $(date -u +%FT%TZ)"
: > "$TMP/manifest.tsv"
for net in $NETS; do
    for n in $SIZES; do
        for seed in $SEEDS; do
            base=$TMP/$net-$n-$seed
            csv=$base.csv
            [ -f "$csv" ] || "$GMDL" bn sample "$BIF/$net.bif" --n "$n" --seed "$seed" > "$csv" || exit 1
            "$GMDL" bn structure --data "$csv" --out "$base-hc.bif" --true "$BIF/$net.bif" \
                --threads "$THREADS" --json > "$base-hc.json" || exit 1
            "$GMDL" bn structure --data "$csv" --out "$base-pc.bif" --method pc --alpha 0.01 \
                --true "$BIF/$net.bif" --threads "$THREADS" --json > "$base-pc.json" || exit 1
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$net" "$n" "$seed" "$csv" \
                "$BIF/$net.bif" "$(field "$base-hc.json" shd)" "$(field "$base-hc.json" score)" \
                "$base-hc.bif" "$(field "$base-pc.json" shd)" "$base-pc.bif" >> "$TMP/manifest.tsv"
        done
    done
done
Rscript "$(dirname "$0")/structure_bnlearn.R" "$TMP/manifest.tsv" "$RLIB"
