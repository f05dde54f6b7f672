# Runs the bad-input catalogue (tests/cli/bad_inputs.tsv): each case's input is made, the command
# run with a 30 s limit, and its exit code, its one-line message and the fragments checked.
. "$(dirname "$0")/lib.sh"
TABLE=$(dirname "$0")/bad_inputs.tsv
D=$WORK/data
T=$WORK/fixtures
W=$WORK/scratch
mkdir -p "$D" "$T" "$W"
"$MAKE_IDX" "$D" 300 100 > /dev/null || exit 1
M=$WORK/svd.gmdl
Z=$WORK/svd.gmz
$GMDL train --arch mlp:4 --method svd --epochs 1 --data "$D" --out "$M" --quiet > /dev/null &&
    $GMDL compress "$M" --out "$Z" --data "$D" --quiet > /dev/null || {
    bad "could not make the models the cases start from"
    finish
}
printf 'MARKOV\n1\n2\n1\n1 0\n2\n 1 2\n' > "$T/one.uai"
printf 'MARKOV\n1\n2\n1\n1 0\n2\n 1 0\n' > "$T/zero1.uai"

# expand TEXT: TEXT with $F $D $M $Z $T $W replaced by their values (nothing else is evaluated).
expand() {
    local s=$1
    s=${s//\$F/$F}
    s=${s//\$D/$D}
    s=${s//\$M/$M}
    s=${s//\$Z/$Z}
    s=${s//\$T/$T}
    s=${s//\$W/$W}
    printf '%s' "$s"
}

# make_input N SPEC: builds the case's input under $W/caseN and sets F.
make_input() {
    local dir=$W/case$1 spec=$2
    mkdir -p "$dir"
    F=
    case $spec in
    -) ;;
    file:*)
        spec=${spec#file:}
        F=$dir/${spec%%=*}
        printf '%b' "${spec#*=}" > "$F"
        ;;
    idx:*)
        spec=${spec#idx:}
        F=$dir/idx
        cp -r "$D" "$F"
        printf '%b' "${spec#*=}" > "$F/${spec%%=*}"
        ;;
    patch:*)
        IFS=: read -r _ src off byte <<< "$spec"
        src=$(expand "$src")
        F=$dir/$(basename "$src")
        cp "$src" "$F"
        [ "$off" -lt 0 ] && off=$(($(stat -c %s "$F") + off))
        printf "\\x$byte" | dd of="$F" bs=1 seek="$off" conv=notrunc 2> /dev/null
        ;;
    trunc:*)
        IFS=: read -r _ src n <<< "$spec"
        src=$(expand "$src")
        F=$dir/$(basename "$src")
        [ "$n" -lt 0 ] && n=$(($(stat -c %s "$src") + n))
        head -c "$n" "$src" > "$F"
        ;;
    *)
        echo "catalogue: line $1: unknown input '$spec'" >&2
        return 1
        ;;
    esac
}

cases=0
lineno=0
while IFS= read -r line; do
    lineno=$((lineno + 1))
    case $line in '#'* | '') continue ;; esac
    IFS=$'\t' read -r want frags spec cmdline <<< "$line"
    cases=$((cases + 1))
    make_input "$lineno" "$spec" || {
        bad "line $lineno: bad input spec"
        continue
    }
    cmdline=$(expand "$cmdline")
    # word splitting of the command is intended: the table's commands hold no quoted spaces
    # shellcheck disable=SC2086
    timeout 30 $GMDL $cmdline < /dev/null > "$W/out" 2> "$W/err"
    rc=$?
    what="line $lineno (gmdl $cmdline)"
    if [ $rc = 124 ]; then
        bad "$what: hung (killed after 30 s)"
        continue
    fi
    if [ $rc -ge 128 ]; then
        bad "$what: killed by signal $((rc - 128))"
        continue
    fi
    [ "$rc" = "$want" ] || {
        bad "$what: exit $rc, want $want; stderr: $(head -c 300 "$W/err")"
        continue
    }
    [ "$(grep -c . "$W/err")" = 1 ] || {
        bad "$what: stderr is not one line: $(head -c 300 "$W/err")"
        continue
    }
    miss=
    IFS='|' read -r -a parts <<< "$frags"
    for p in "${parts[@]}"; do
        p=$(expand "$p")
        grep -qF -- "$p" "$W/err" || miss="$miss '$p'"
    done
    [ -z "$miss" ] && ok || bad "$what: message lacks$miss: $(cat "$W/err")"
done < "$TABLE"
[ "$cases" -ge 100 ] && ok || bad "the catalogue has $cases cases, fewer than 100"
echo "catalogue: $cases cases"
finish
