#!/bin/bash
# SGLD steps per second on the Welling & Teh (2011) two-parameter mixture: gmdl (one chain, one
# thread, the paper's recipe: minibatch 1, eps from 0.01 to 1e-4 over 10^6 steps) against the plain
# numpy loop of shared/anchors/pytorch/sgld_bench.py (the same update, same step schedule), run
# side by side on this machine. Prints one JSON line per run and the ratio; writes nothing else.
#   usage: bench/sgld_bench.sh [GMDL] [NUMPY_STEPS]
# GMDL defaults to build/gmdl. The numpy loop is timed over NUMPY_STEPS (default 200000) steps and
# scaled to 10^6 (its cost per step is constant). Needs /usr/bin/python3 with python3-numpy for the
# reference; without it only the gmdl figure is printed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
GMDL=${1:-$here/../build/gmdl}
NSTEPS=${2:-200000}
ANCHOR=$here/../../shared/anchors/pytorch/sgld_bench.py
# gmdl: 10^6 steps kept (thinned to 1000 stored draws so storage does not dominate), best of 3.
best=
for i in 1 2 3; do
    s=$("$GMDL" sample --model sgld-mixture --method sgld --n 1000 --thin 1000 --warmup 0 \
        --chains 1 --threads 1 --json | grep -o '"seconds": [0-9.eE+-]*' | sed 's/.*: //')
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
done
echo "{\"impl\": \"gmdl\", \"steps\": 1000000, \"seconds\": $best, \"us_per_step\": $(awk "BEGIN{print $best}")}"
if /usr/bin/python3 -c 'import numpy' 2> /dev/null && [ -f "$ANCHOR" ]; then
    out=$(OMP_NUM_THREADS=1 /usr/bin/python3 "$ANCHOR" --variant numpy --steps "$NSTEPS")
    us=$(echo "$out" | grep -o '"us_per_step": [0-9.eE+-]*' | sed 's/.*: //')
    echo "{\"impl\": \"numpy\", \"steps\": $NSTEPS, \"us_per_step\": $us}"
    awk "BEGIN{printf \"{\\\"speedup_vs_numpy\\\": %.1f}\\n\", $us / ($best)}"
else
    echo "numpy reference skipped: /usr/bin/python3 with numpy (python3-numpy) not available" >&2
fi
