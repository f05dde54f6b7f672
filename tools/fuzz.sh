#!/usr/bin/env bash
# Fuzzes gmdl's readers with libFuzzer (clang, -fsanitize=fuzzer,address,undefined).
#   tools/fuzz.sh [SECONDS] [TARGET...]    default: 600 s each, every target
# Builds build-fuzz/ (clang, ASan+UBSan, no OpenMP, naive GEMM), then runs each target for
# SECONDS on a scratch copy of its committed corpus (tests/fuzz/corpus/TARGET) plus what earlier
# runs found (build-fuzz/corpus/TARGET). A crash leaves its input in build-fuzz/crashes/TARGET/:
# fix the bug, then add the input to the committed corpus so the replay test keeps it fixed.
# Prints one line per target (runs, new coverage inputs, crashes) for docs/RELIABILITY.md.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
all=(idx csv libsvm json bif uai evid model cli)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
out=build-fuzz
command -v clang > /dev/null || {
    echo "fuzz.sh: clang is not installed (apt-get install clang)" >&2
    exit 2
}
CC=clang cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGMDL_FUZZ=ON \
    -DGMDL_SANITIZE=address,undefined -DGMDL_WERROR=OFF -DGMDL_OPENMP=OFF -DGMDL_BLAS=none \
    > "$out.cmake.log" 2>&1 || {
    tail -20 "$out.cmake.log"
    exit 1
}
cmake --build "$out" -j"$(nproc)" $(printf -- '--target fuzz_%s ' "${targets[@]}") \
    > "$out.build.log" 2>&1 || {
    tail -30 "$out.build.log"
    exit 1
}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t" "$out/crashes/$t"
    log=$out/fuzz_$t.log
    # -close_fd_mask=3: the targets' own messages are noise; sanitizer reports still print
    "$out/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -close_fd_mask=3 -artifact_prefix="$out/crashes/$t/" \
        "$out/corpus/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    runs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
    found=$(ls "$out/crashes/$t" | wc -l)
    echo "fuzz $t: ${secs}s, ${runs:-0} runs, $(ls "$out/corpus/$t" | wc -l) corpus inputs, $found crash inputs, exit $rc"
    [ "$rc" = 0 ] && [ "$found" = 0 ] || status=1
done
exit $status
