# Crash safety (docs/RELIABILITY.md): 20 SIGKILLs at random points of a training run that saves
# its model file after every epoch: 10 inside a model-file write (an LD_PRELOAD shim kills the
# process at a chosen byte of the temporary file), 10 between steps (--crash-at-step). After
# every kill the file under the final name is absent or valid, and the stale temporary file a
# kill inside a write leaves is removed by the next run; the run resumed after the last kill ends
# byte-identical to an uninterrupted run. Then SIGINT: the first finishes the epoch, saves and
# exits 130; a second stops at once and the file keeps the last completed epoch.
. "$(dirname "$0")/lib.sh"
SHIM=$4
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 400 50 > /dev/null || exit 1
A="--arch mlp:128-64 --method svd --epochs 40 --batch 100 --data $D --threads 2 --seed 7 --quiet"
$GMDL train $A --out "$WORK/full.gmdl" > /dev/null || bad "uninterrupted run failed"
size=$(stat -c %s "$WORK/full.gmdl")
RANDOM=2026 # the kill points are reproducible
in_write=0
for i in $(seq 1 20); do
    if [ $((i % 2)) = 1 ]; then # inside a write: somewhere in the next two saves of this run
        at=$(((RANDOM * 32768 + RANDOM) % (2 * size)))
        env ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD="$SHIM" \
            GMDL_TEST_KILL_AT_BYTE=$at $GMDL train $A --out "$WORK/cut.gmdl" --resume > /dev/null 2>&1
        rc=$?
        ls "$WORK"/cut.gmdl.tmp.* > /dev/null 2>&1 && in_write=$((in_write + 1))
    else
        done_steps=0
        [ -e "$WORK/cut.gmdl" ] &&
            done_steps=$((4 * $($GMDL info "$WORK/cut.gmdl" --json | grep -o '"epoch": [0-9]*' | head -1 | sed 's/.*: //')))
        # a step in the next two epochs
        $GMDL train $A --out "$WORK/cut.gmdl" --resume --crash-at-step $((done_steps + 1 + RANDOM % 8)) > /dev/null 2>&1
        rc=$?
    fi
    [ "$rc" = 137 ] && ok || bad "kill $i: exit $rc, want 137 (SIGKILL)"
    if [ -e "$WORK/cut.gmdl" ]; then
        $GMDL info "$WORK/cut.gmdl" --json > /dev/null 2>&1 && ok || bad "kill $i left an invalid $WORK/cut.gmdl"
    fi
done
echo "crash: 20 kills, $in_write inside a write (a temporary file was left)"
[ "$in_write" = 10 ] && ok || bad "$in_write of the 10 write kills left a temporary file"
$GMDL train $A --out "$WORK/cut.gmdl" --resume > /dev/null 2> "$WORK/resume.err" || bad "the final resume failed"
ls "$WORK"/cut.gmdl.tmp.* > /dev/null 2>&1 && bad "a stale temporary file was not removed" || ok
cmp -s "$WORK/full.gmdl" "$WORK/cut.gmdl" && ok || bad "the resumed model differs from the uninterrupted one"

# SIGINT once: finish the epoch, save it, exit 130; then --resume completes the same file.
B="--arch mlp:64 --method dropout:0.2 --epochs 60 --batch 20 --data $D --threads 2 --seed 9"
$GMDL train $B --quiet --out "$WORK/full2.gmdl" > /dev/null || bad "uninterrupted run 2 failed"
$GMDL train $B --out "$WORK/int.gmdl" > /dev/null 2> "$WORK/int.err" &
pid=$!
for _ in $(seq 1 200); do [ -e "$WORK/int.gmdl" ] && break; sleep 0.05; done
kill -INT $pid
wait $pid
rc=$?
[ "$rc" = 130 ] && ok || bad "SIGINT: exit $rc, want 130"
grep -q "holds epoch" "$WORK/int.err" && ok || bad "SIGINT: no message saying what the file holds: $(cat "$WORK/int.err")"
ep=$($GMDL info "$WORK/int.gmdl" --json | grep -o '"epoch": [0-9]*' | head -1 | sed 's/.*: //')
grep -q "holds epoch $ep;" "$WORK/int.err" && ok || bad "SIGINT: the message does not name the saved epoch $ep"
$GMDL train $B --quiet --out "$WORK/int.gmdl" --resume > /dev/null || bad "resume after SIGINT failed"
cmp -s "$WORK/full2.gmdl" "$WORK/int.gmdl" && ok || bad "the run resumed after SIGINT differs from the uninterrupted one"
# SIGINT twice: stop at once; the file keeps the last completed epoch
$GMDL train $B --out "$WORK/int2.gmdl" > /dev/null 2> "$WORK/int2.err" &
pid=$!
for _ in $(seq 1 200); do [ -e "$WORK/int2.gmdl" ] && break; sleep 0.05; done
kill -INT $pid
kill -INT $pid
wait $pid
rc=$?
[ "$rc" = 130 ] && ok || bad "double SIGINT: exit $rc, want 130"
$GMDL info "$WORK/int2.gmdl" --json > /dev/null && ok || bad "double SIGINT left an invalid file"
$GMDL train $B --quiet --out "$WORK/int2.gmdl" --resume > /dev/null || bad "resume after double SIGINT failed"
cmp -s "$WORK/full2.gmdl" "$WORK/int2.gmdl" && ok || bad "the run resumed after a double SIGINT differs"
finish
