#!/bin/bash
# Issue 21, acceptance 1: `gmdl bn query --all` (one junction-tree calibration) against one query
# per node on alarm, child and sachs -- equal to 1e-12, and the time of --all against the median
# time of one single-target query (the "time" key: inference only, not reading the file) -- and a
# batch of 10,000 evidence rows on alarm (wall time of the whole command, reading and writing
# included). Rows: `gmdl bn sample --missing 0.8` (each cell observed with probability 0.2).
#   bash bench/bn_queries.sh [GMDL] [BIF_DIR]     (defaults: build/gmdl, ../shared/data/bif)
set -eu
GMDL=${1:-build/gmdl}
BIF=${2:-../shared/data/bif}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
for net in alarm child sachs; do
    f=$BIF/$net.bif
    nodes=$("$GMDL" bn info "$f" --json | python3 -c 'import json,sys; print(" ".join(n["name"] for n in json.load(sys.stdin)["nodes"]))')
    ev=$("$GMDL" bn info "$f" --json | python3 -c 'import json,sys; n=json.load(sys.stdin)["nodes"]; print(n[-1]["name"]+"="+n[-1]["states"][0])')
    for rep in 1 2 3 4 5; do "$GMDL" bn query "$f" --all --evidence "$ev" --json > "$WORK/all$rep.json"; done
    : > "$WORK/one.jsonl"
    for n in $nodes; do
        [ "$n=${ev#*=}" = "$ev" ] && continue
        "$GMDL" bn query "$f" --target "$n" --evidence "$ev" --json >> "$WORK/one.jsonl"
    done
    python3 - "$net" "$WORK" <<'PY'
import json, sys, statistics
net, work = sys.argv[1], sys.argv[2]
alls = [json.load(open(f"{work}/all{r}.json")) for r in range(1, 6)]
ones = [json.loads(l) for l in open(f"{work}/one.jsonl")]
diff = max(abs(p - alls[0]["marginals"][o["target"]][s]) for o in ones for s, p in o["probabilities"].items())
t_all = statistics.median(a["time"] for a in alls)
t_one = statistics.median(o["time"] for o in ones)
print(f"{net}: {len(ones)} nodes, max |--all - per-node| = {diff:.3g}, --all {t_all*1e3:.3f} ms, "
      f"one query (median) {t_one*1e3:.3f} ms, ratio {t_all/t_one:.2f}")
PY
done
"$GMDL" bn sample "$BIF/alarm.bif" --n 10000 --seed 1 --missing 0.8 > "$WORK/ev.csv"
start=$(date +%s.%N)
"$GMDL" bn query "$BIF/alarm.bif" --batch "$WORK/ev.csv" > "$WORK/answers.csv" 2> "$WORK/note"
end=$(date +%s.%N)
echo "alarm batch: $(cat "$WORK/note" | sed 's/^gmdl bn query: //'), $(($(wc -l < "$WORK/answers.csv") - 1)) answers, wall $(echo "$end - $start" | bc) s (OMP_NUM_THREADS=$OMP_NUM_THREADS)"
