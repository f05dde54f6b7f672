#!/usr/bin/env bash
# The CI test command. Builds gmdl and runs:
# - every test in a Release build with -Werror (this includes the house-rule checks of tests/rules:
#   layering, file cycles, function size, and the format check once it is switched on);
# - the unit and gradient-check tests in a Release build without OpenMP (-DGMDL_OPENMP=OFF);
# - the unit and gradient-check tests once per kernel clone (x86-64-v4, x86-64-v3, baseline), each
#   forced by -DGMDL_KERNEL_LEVEL; a clone this CPU cannot run is skipped with a message;
# - a unit subset under valgrind memcheck (label memcheck; no OpenMP, naive GEMM: see
#   tests/CMakeLists.txt);
# - every test in a Debug build with AddressSanitizer and UndefinedBehaviorSanitizer (leaks too).
# Prints the time of each pass and ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2> /dev/null || echo 2)
out=${GMDL_TEST_BUILD:-build-test}
passed=0
failed=0
run_suite() { # name, ctest args...
    local name=$1
    shift
    local log="$out/$name.ctest.log"
    ctest --test-dir "$out/$name" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$log"
    local line
    line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1)
    if [ -z "$line" ]; then
        echo "test.sh: $name: ctest produced no summary" >&2
        failed=$((failed + 1))
        return
    fi
    local nf total
    nf=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
    passed=$((passed + total - nf))
    failed=$((failed + nf))
}
build() { # name, cmake args...
    local name=$1
    shift
    cmake -S . -B "$out/$name" -DGMDL_WERROR=ON "$@" > "$out/$name.cmake.log" 2>&1 &&
        cmake --build "$out/$name" -j"$jobs" > "$out/$name.build.log" 2>&1
}
timing=""
mark() { # name: adds the time since the last mark to the timing line
    timing="$timing $1=${SECONDS}s"
    SECONDS=0
}
mkdir -p "$out"
SECONDS=0
echo "== Release build (-Werror)"
if build release -DCMAKE_BUILD_TYPE=Release; then
    run_suite release
else
    tail -n 30 "$out/release.build.log" "$out/release.cmake.log"
    failed=$((failed + 1))
fi
mark release
# Unit and gradient tests in a Release build configured with `name` and the cmake args.
fast_pass() { # name, cmake args...
    local name=$1
    if build "$@"; then
        run_suite "$name" -L 'unit|gradcheck'
    else
        tail -n 30 "$out/$name.build.log" "$out/$name.cmake.log"
        failed=$((failed + 1))
    fi
    mark "$name"
}
echo "== Release build without OpenMP: unit and gradient tests"
fast_pass openmp-off -DCMAKE_BUILD_TYPE=Release -DGMDL_OPENMP=OFF
cc -O1 -o "$out/cpu_level" tools/cpu_level.c
for level in x86-64-v4 x86-64-v3 x86-64; do
    if "$out/cpu_level" "$level"; then
        echo "== kernel clone $level forced (-DGMDL_KERNEL_LEVEL=$level): unit and gradient tests"
        fast_pass "clone-$level" -DCMAKE_BUILD_TYPE=Release -DGMDL_KERNEL_LEVEL="$level"
    else
        echo "== kernel clone $level: skipped, this CPU cannot run it"
    fi
done
echo "== valgrind memcheck: unit subset, build without OpenMP and with the naive GEMM"
if build memcheck -DCMAKE_BUILD_TYPE=Release -DGMDL_OPENMP=OFF -DGMDL_BLAS=none -DGMDL_MEMCHECK=ON; then
    run_suite memcheck -L memcheck
else
    tail -n 30 "$out/memcheck.build.log" "$out/memcheck.cmake.log"
    failed=$((failed + 1))
fi
mark memcheck
echo "== Debug build with -fsanitize=address,undefined"
if build asan -DCMAKE_BUILD_TYPE=Debug -DGMDL_SANITIZE=address,undefined; then
    # Leaks are checked in our code; oneDNN and libgomp keep global caches until exit.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
    export LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # the fault-injection sweeps fail every 4th allocation past the first 64 (library) and take
    # 16 + 12 runs per command (CLI) here; the Release pass runs them in full
    export GMDL_FAULT_STRIDE=4 GMDL_FAULT_RUNS=12
    # the install test builds a program against the installed library with plain flags; the
    # max-product check on the large UAI instances (minutes in Release; the same code runs on
    # small ones in test_pgm_map) and the emulated Cortex-M4 run (the exported C, not gmdl, runs
    # there) stay in the Release pass
    run_suite asan -LE install -E '^(test_pgm_map_uai|export_mcu)$'
else
    tail -n 30 "$out/asan.build.log" "$out/asan.cmake.log"
    failed=$((failed + 1))
fi
mark asan
echo "time per pass:$timing"
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
