# Shared helpers for the CLI tests. Each test script is run as:
#   bash SCRIPT GMDL MAKE_IDX WORKDIR
# and ends with a "N passed, N failed" line; the exit status is non-zero on any failure.
set -u
GMDL=$1
MAKE_IDX=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }

# expect_fail CODE SUBSTRING... -- command: the command exits CODE, prints exactly one line on
# stderr, and that line contains every SUBSTRING.
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
    local lines
    lines=$(wc -l < "$WORK/err")
    if [ "$rc" != "$code" ]; then
        bad "'$*' exited $rc, want $code; stderr: $(cat "$WORK/err")"
        return
    fi
    if [ "$lines" != 1 ]; then
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

# json_field FILE KEY: the number after "KEY": in a one-line JSON object.
json_field() {
    grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'
}

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ]
    exit $?
}
