#!/bin/bash
# Exact PR and MAR against merlin (issue 21, acceptance 5): for every UAI instance of the folders
# given (with its .evid when there is one), end-to-end wall time of
#   gmdl mrf solve FILE --task PR,MAR --threads 1     (one junction-tree calibration)
#   gmdl mrf solve FILE --task PR,MAR --threads 2
#   merlin -a bte -t MAR                               (merlin's bucket-tree elimination; its MAR
#                                                       output carries PR too), one thread
# each repeated REPEATS times in turn (medians), merlin with its allocator tuned
# (GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736, which removes
# most of its page-fault time). Checks that both give the same log Z and marginals (to 1e-6), then
# prints per instance the times, merlin / gmdl (1 thread), gmdl 1 / 2 threads, and their
# geometric means.
#   bash bench/uai_merlin.sh [GMDL] [UAI_DIR...]    (defaults: build/gmdl, ../shared/data/uai)
# merlin: MERLIN=/path/to/merlin uses a built binary; otherwise MERLIN_SRC=/path/to/merlin-checkout
# (https://github.com/radum2275/merlin, default: a clone into a temporary folder) is built with
#   g++ -O2 -DNDEBUG -std=c++11 -Iinclude src/*.cpp (without merlin_pybind.cpp) \
#       -lboost_program_options
# which needs g++ and libboost-program-options-dev. Env: REPEATS (default 3).
set -u
GMDL=${1:-build/gmdl}
shift 2> /dev/null || true
DIRS=("$@")
[ ${#DIRS[@]} -gt 0 ] || DIRS=("$(dirname "$0")/../../shared/data/uai")
REPEATS=${REPEATS:-3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TUNED=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736

if [ -z "${MERLIN:-}" ]; then
    src=${MERLIN_SRC:-$TMP/merlin-src}
    if [ ! -d "$src/src" ]; then
        git clone -q https://github.com/radum2275/merlin "$src" ||
            { echo "uai_merlin: cannot get merlin's source; set MERLIN or MERLIN_SRC" >&2; exit 1; }
    fi
    echo "building merlin from $src ($(git -C "$src" rev-parse --short HEAD 2> /dev/null))" >&2
    g++ -O2 -DNDEBUG -std=c++11 -I"$src/include" $(ls "$src"/src/*.cpp | grep -v pybind) \
        -o "$TMP/merlin" -lboost_program_options ||
        { echo "uai_merlin: merlin did not build (g++, libboost-program-options-dev?)" >&2; exit 1; }
    MERLIN=$TMP/merlin
fi

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# One timed run; $1 = output file, rest = the command. Prints the seconds.
timed() {
    local out=$1
    shift
    local t0 t1
    t0=$(now)
    "$@" > "$out" 2> "$TMP/err" || { echo "uai_merlin: failed: $* ($(head -c 300 "$TMP/err"))" >&2; echo nan; return; }
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}

echo "gmdl $("$GMDL" --version 2>&1 | head -1); merlin $MERLIN; $(nproc) cores; repeats $REPEATS; $(date -u +%FT%TZ)"
printf '%-18s %9s %9s %9s %9s %9s %s\n' instance gmdl_1t gmdl_2t merlin merlin/g1 g1/g2 answers
lr=0; ls=0; n=0; ns=0
for d in "${DIRS[@]}"; do
    for f in "$d"/*.uai; do
        name=$(basename "$f" .uai)
        ev=()
        mev=(-e /dev/null)
        if [ -s "$f.evid" ]; then ev=(--evid "$f.evid"); mev=(-e "$f.evid"); fi
        : > "$TMP/g1"; : > "$TMP/g2"; : > "$TMP/m"
        for r in $(seq 1 "$REPEATS"); do
            timed "$TMP/g1.json" "$GMDL" mrf solve "$f" "${ev[@]}" --task PR,MAR --threads 1 --json >> "$TMP/g1"
            timed "$TMP/g2.json" "$GMDL" mrf solve "$f" "${ev[@]}" --task PR,MAR --threads 2 --json >> "$TMP/g2"
            timed "$TMP/m.log" env GLIBC_TUNABLES=$TUNED "$MERLIN" -f "$f" "${mev[@]}" -a bte -t MAR \
                -o "$TMP/m" -O uai >> "$TMP/m"
        done
        g1=$(median < "$TMP/g1"); g2=$(median < "$TMP/g2"); m=$(median < "$TMP/m")
        ok=$(/usr/bin/python3 - "$TMP/g1.json" "$TMP/g2.json" "$TMP/m.MAR" <<'PY'
import json, math, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
tok = open(sys.argv[3]).read().split()
lz = float(tok[tok.index("PR") + 1])  # natural log
i = tok.index("MAR") + 2
mar = []
for _ in range(len(a["marginals"])):
    k = int(tok[i]); mar.append([float(x) for x in tok[i + 1:i + 1 + k]]); i += 1 + k
dz = abs(a["log10_pr"] * math.log(10) - lz)
dm = max(abs(x - y) for p, q in zip(a["marginals"], mar) for x, y in zip(p, q))
same = a["marginals"] == b["marginals"] and a["log10_pr"] == b["log10_pr"]
print(f"{'ok' if dz < 1e-6 * max(1, abs(lz)) and dm < 1e-6 else 'DIFFER'} (|dlnZ| {dz:.1e}, "
      f"max |dMAR| {dm:.1e}, 1t = 2t bitwise: {'yes' if same else 'NO'})")
PY
)
        printf '%-18s %9.3f %9.3f %9.3f %9.2f %9.2f %s\n' "$name" "$g1" "$g2" "$m" \
            "$(echo "$m / $g1" | bc -l)" "$(echo "$g1 / $g2" | bc -l)" "$ok"
        lr=$(echo "$lr + l($m / $g1)" | bc -l); n=$((n + 1))
        if [ "$(echo "$g1 > 1" | bc -l)" = 1 ]; then ls=$(echo "$ls + l($g1 / $g2)" | bc -l); ns=$((ns + 1)); fi
    done
done
printf 'geometric mean merlin / gmdl (1 thread): %.2f over %d instances\n' "$(echo "e($lr / $n)" | bc -l)" "$n"
[ "$ns" -gt 0 ] && printf 'geometric mean speed-up, 2 threads over 1, on the %d instances over 1 s: %.2f\n' "$ns" "$(echo "e($ls / $ns)" | bc -l)"
exit 0
