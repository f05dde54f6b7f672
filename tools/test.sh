#!/usr/bin/env bash
# Builds gmdl and runs every test twice: a Release build with -Werror, then a Debug build with
# AddressSanitizer and UndefinedBehaviorSanitizer (leak checking on). Ends with one summary line.
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
mkdir -p "$out"
echo "== Release build (-Werror)"
if build release -DCMAKE_BUILD_TYPE=Release; then
    run_suite release
else
    tail -30 "$out/release.build.log" "$out/release.cmake.log"
    failed=$((failed + 1))
fi
echo "== Debug build with -fsanitize=address,undefined"
if build asan -DCMAKE_BUILD_TYPE=Debug -DGMDL_SANITIZE=address,undefined; then
    # Leaks are checked in our code; oneDNN and libgomp keep global caches until exit.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
    export LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # the install test builds a program against the installed library with plain flags
    run_suite asan -LE install
else
    tail -30 "$out/asan.build.log" "$out/asan.cmake.log"
    failed=$((failed + 1))
fi
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
