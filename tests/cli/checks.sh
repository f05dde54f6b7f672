# Check helpers shared by the shell tests (sourced; needs WORK, a scratch folder). Each check counts
# a pass or prints FAIL; `finish` prints "N passed, N failed" and exits non-zero on any failure.
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }

# expect_fail CODE SUBSTRING... -- command: the command exits CODE and its stderr contains every
# SUBSTRING; with ONE_LINE=1, stderr must also be exactly one line.
expect_fail() {
    local code=$1
    shift
    local subs=()
    while [ "$1" != "--" ]; do
        subs+=("$1")
        shift
    done
    shift
    "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null
    local rc=$?
    if [ "$rc" != "$code" ]; then
        bad "'$*' exited $rc, want $code; stderr: $(cat "$WORK/err")"
        return
    fi
    local lines
    lines=$(wc -l < "$WORK/err")
    if [ "${ONE_LINE:-0}" = 1 ] && [ "$lines" != 1 ]; then
        bad "'$*' printed $lines lines on stderr, want 1: $(cat "$WORK/err")"
        return
    fi
    for s in "${subs[@]}"; do
        if ! grep -qF -- "$s" "$WORK/err"; then
            bad "'$*': stderr lacks '$s': $(cat "$WORK/err")"
            return
        fi
    done
    ok
}

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ]
    exit $?
}
