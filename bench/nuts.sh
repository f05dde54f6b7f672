#!/bin/sh
# NUTS against the reference posteriors of ../shared/data/posteriors (posteriordb) and against
# static HMC: issue 18's acceptance 1 and 2.
#   bench/nuts.sh [BUILD_DIR] [SEED...]       (default build, seeds 1 2 3 4 5)
# For every posterior and seed: NUTS with default settings (4 chains x 1000 draws, 1000 warm-up;
# the diagonal metric) and with --metric dense, and HMC with its defaults (16 leapfrog steps drawn from [8, 24]), both through the --model-lib
# examples (examples/models). Reports per run: the worst |mean - ref| / sqrt(MCSE_ref^2 +
# sd^2/ESS_bulk) (must be <= 4), the worst relative sd error (<= 10%), the largest
# rank-normalised R-hat (<= 1.01), divergences, and min bulk ESS per gradient evaluation (warm-up
# included) for NUTS and HMC and their ratio (>= 2). The centered eight schools has no reference
# here: it must report divergences. Needs python3 (standard library only).
set -eu
BUILD=${1:-build}
shift 2>/dev/null || true
SEEDS=${*:-1 2 3 4 5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
POST=${GMDL_POSTERIORS:-$ROOT/../shared/data/posteriors}
GMDL=$BUILD/gmdl
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for f in "$GMDL" "$BUILD/models/eight_schools.so" "$POST/sblrc-blr/mean_value.json"; do
    [ -e "$f" ] || { echo "nuts.sh: missing $f" >&2; exit 2; }
done
run() { # model seed method out [options]
    m=$1 s=$2 me=$3 o=$4
    shift 4
    nice -n 5 "$GMDL" sample --model-lib "$BUILD/models/$m.so" --seed "$s" --method "$me" \
        --threads 2 --json -q "$@" > "$o"
}
for seed in $SEEDS; do
    for p in eight_schools:eight_schools-eight_schools_noncentered gauss_mix:low_dim_gauss_mix-low_dim_gauss_mix blr:sblrc-blr; do
        m=${p%%:*}; ref=$POST/${p#*:}
        run "$m" "$seed" hmc "$TMP/hmc.json"
        for metric in diag dense; do
        run "$m" "$seed" nuts "$TMP/nuts.json" --metric $metric
        python3 - "$m/$metric" "$seed" "$ref" "$TMP/nuts.json" "$TMP/hmc.json" <<'PY'
import json, math, sys
m, seed, ref, fn, fh = sys.argv[1:]
mv = json.load(open(ref + "/mean_value.json")); ms = json.load(open(ref + "/mean_squared_value.json"))
n, h = json.load(open(fn)), json.load(open(fh))
zmax = sdmax = 0.0
for k, name in enumerate(mv["names"]):
    mu, mse = mv["mean_value"][k], mv["mcse_mean"][k]
    sd = math.sqrt(ms["mean_squared_value"][k] - mu * mu)
    z = abs(n["mean"][name] - mu) / math.sqrt(mse ** 2 + n["sd"][name] ** 2 / n["ess_bulk"][name])
    zmax = max(zmax, z); sdmax = max(sdmax, abs(n["sd"][name] / sd - 1))
rh = max(n["rhat_rank"].values())
en = min(n["ess_bulk"].values()) / n["grad_evals"]; eh = min(h["ess_bulk"].values()) / h["grad_evals"]
ok = zmax <= 4 and sdmax <= 0.10 and rh <= 1.01 and n["divergences"] == 0 and en >= 2 * eh
print(f"{m:20s} seed {seed}: mean z {zmax:5.2f}  sd err {100*sdmax:5.2f}%  rhat {rh:.4f}  "
      f"div {n['divergences']}  ESS/grad nuts {en:.4f} hmc {eh:.4f} ratio {en/eh:5.2f}  "
      f"{'ok' if ok else 'FAIL'}")
PY
        done
    done
    nice -n 5 "$GMDL" sample --model-lib "$BUILD/models/eight_schools_centered.so" --seed "$seed" \
        --threads 2 --json -q > "$TMP/c.json" || true
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"eight_sch_centr seed {sys.argv[2]}: divergences {d['divergences']}  warnings {[w['code'] for w in d['warnings']]}  {'ok' if d['divergences'] > 0 else 'FAIL'}\")" "$TMP/c.json" "$seed"
done
