# The example program examples/bn_asia.c: exit status and every result line it prints.
#   bash example_bn_asia.sh EXAMPLE ASIA_BIF
# P(lung = yes | xray = yes, dysp = yes) = 0.621253 and P(evidence) = 0.070670 are the values of
# enumerating all 2^5 states of the unobserved nodes of asia.bif by hand (tests/data/SOURCE.md);
# the d-separation answers are the textbook ones (the X-ray is a descendant of the collider).
# Ends with "N passed, N failed"; non-zero exit status on any failure.
set -u
EXAMPLE=$1
ASIA=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/checks.sh"
[ -r "$ASIA" ] || { bad "missing test data $ASIA"; finish; }

"$EXAMPLE" "$ASIA" > "$WORK/out" 2> "$WORK/err" < /dev/null
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "example exited $rc: $(cat "$WORK/err")"; fi
for line in "$ASIA: 8 nodes, 8 arcs, 18 free parameters" \
    "asia _|_ smoke          : d-separated" \
    "asia _|_ smoke | xray   : d-connected" \
    "P(lung = yes | xray = yes, dysp = yes) = 0.621253 exactly (P(evidence) = 0.070670)"; do
    if grep -qxF -- "$line" "$WORK/out"; then ok; else bad "output lacks the line '$line': $(cat "$WORK/out")"; fi
done
# likelihood weighting, seed 1, 1e5 samples: within 0.02 of exact (ESS about 1.2e4, so the
# standard error is about 0.0045)
lw=$(sed -n 's/^P(lung = yes | xray = yes, dysp = yes) = \([0-9.]*\) by likelihood weighting.*/\1/p' "$WORK/out")
if [ -n "$lw" ] && awk -v x="$lw" 'BEGIN { d = x - 0.621253; if (d < 0) d = -d; exit !(d <= 0.02) }'; then
    ok
else
    bad "likelihood-weighting estimate '$lw' is not within 0.02 of 0.621253"
fi
# a missing file: exit 2, one message naming it
expect_fail 2 "$WORK/none.bif" "cannot open" -- "$EXAMPLE" "$WORK/none.bif"
# usage: exit 2
expect_fail 2 "usage" -- "$EXAMPLE"
finish
