# gmdl export on the host (issue 19, acceptance 1 and 5 on small nets): tiny MLP and conv nets
# trained here (dense, svd, bc-gnj, sws) on generated images, compressed, exported to C99,
# compiled with cc -std=c99 -pedantic -Wall -Wextra -Werror -O2, and run by a harness over
# the test images: the predicted class equals gmdl predict's on every image and the
# probabilities agree within 1e-4; the float and uint8 entry points agree; the int8 export's
# error is within 0.5 points of the float export's (on 400 images: at most 2 more wrong). A damaged
# file, a Bayesian model that is not compressed, a bad name or arithmetic exit 2 and write
# nothing, and so do a well-formed file naming an unknown method or layer and a net on a
# table.   bash export.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR GMZ_PATCH
. "$(dirname "$0")/../cli/lib.sh"
SRC=$4
CC=${CC:-cc}
CFLAGS="-std=c99 -pedantic -Wall -Wextra -Werror -O2"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 800 400 || exit 1
T="--data $D --epochs 3 --batch 50 --threads 2 --seed 1 --quiet"
B="--kl-warmup-start 0 --kl-warmup-epochs 1"
field() { sed -E "s/.* $2=([^ ]*).*/\1/" <<< " $1"; }

# export_check NAME MODEL: float and int8 exports of MODEL against gmdl predict
export_check() {
    local name=$1 model=$2 dir=$WORK/$1
    mkdir -p "$dir/f" "$dir/i"
    $GMDL predict "$model" --data "$D" --out "$dir/ref.csv" --quiet > /dev/null ||
        { bad "$name: gmdl predict failed"; return; }
    $GMDL export "$model" --c "$dir/f" --json > "$dir/f.json" 2> "$dir/err" ||
        { bad "$name: export failed: $(cat "$dir/err")"; return; }
    grep -q '"weights_bytes"' "$dir/f.json" && grep -q '"scratch_bytes"' "$dir/f.json" && ok ||
        bad "$name: export JSON lacks its keys: $(cat "$dir/f.json")"
    $CC $CFLAGS -I"$dir/f" "$SRC/tests/export/harness.c" "$dir/f/gmdl_net.c" -lm -o "$dir/f/h" 2> "$dir/cc" &&
        ok || { bad "$name: the float export does not compile cleanly: $(head -5 "$dir/cc")"; return; }
    "$dir/f/h" "$D/t10k-images-idx3-ubyte" 1000000 f32 > "$dir/f.csv"
    "$dir/f/h" "$D/t10k-images-idx3-ubyte" 1000000 u8 > "$dir/u.csv"
    cmp -s "$dir/f.csv" "$dir/u.csv" && ok || bad "$name: the float and uint8 entry points differ"
    local r
    r=$(awk -f "$SRC/tests/export/compare.awk" "$dir/ref.csv" "$dir/f.csv")
    [ "$(field "$r" n)" = 400 ] && [ "$(field "$r" mismatch)" = 0 ] && ok ||
        bad "$name: exported classes differ from gmdl predict's: $r"
    awk -v d="$(field "$r" maxdiff)" 'BEGIN { exit !(d <= 1e-4) }' && ok ||
        bad "$name: probabilities differ by more than 1e-4: $r"
    local ferr
    ferr=$(field "$r" err_exp)
    $GMDL export "$model" --c "$dir/i" --arith int8 --calibrate 300 --data "$D" --quiet 2> "$dir/err" ||
        { bad "$name: int8 export failed: $(cat "$dir/err")"; return; }
    $CC $CFLAGS -I"$dir/i" "$SRC/tests/export/harness.c" "$dir/i/gmdl_net.c" -lm -o "$dir/i/h" 2> "$dir/cc" &&
        ok || { bad "$name: the int8 export does not compile cleanly: $(head -5 "$dir/cc")"; return; }
    "$dir/i/h" "$D/t10k-images-idx3-ubyte" 1000000 u8 > "$dir/i.csv"
    r=$(awk -f "$SRC/tests/export/compare.awk" "$dir/ref.csv" "$dir/i.csv")
    awk -v a="$(field "$r" err_exp)" -v b="$ferr" 'BEGIN { exit !(a - b <= 0.5) }' && ok ||
        bad "$name: int8 error $(field "$r" err_exp)% against float $ferr%: $r"
    echo "$name float: $(awk -f "$SRC/tests/export/compare.awk" "$dir/ref.csv" "$dir/f.csv"); int8: $r"
}

for arch in mlp:32-16 cnn:c4k5-p2-d16; do
    a=${arch//[:]/_}
    $GMDL train --arch $arch --method dense $T --out "$WORK/$a-dense.gmdl" > /dev/null && ok || bad "train dense $arch"
    export_check "$a-dense" "$WORK/$a-dense.gmdl"
    for m in svd bc-gnj; do
        $GMDL train --arch $arch --method $m $T $B --out "$WORK/$a-$m.gmdl" > /dev/null &&
            $GMDL compress "$WORK/$a-$m.gmdl" --data "$D" --out "$WORK/$a-$m.gmz" --quiet > /dev/null &&
            ok || bad "train and compress $m $arch"
        export_check "$a-$m" "$WORK/$a-$m.gmz"
    done
    $GMDL train --arch $arch --method sws --init "$WORK/$a-dense.gmdl" --sws-harden none $T \
        --out "$WORK/$a-sws.gmdl" > /dev/null && $GMDL compress "$WORK/$a-sws.gmdl" --data "$D" \
        --out "$WORK/$a-sws.gmz" --quiet > /dev/null && ok || bad "train and compress sws $arch"
    export_check "$a-sws" "$WORK/$a-sws.gmz"
done

# acceptance 5: exit 2, a clear message, nothing written
G=$WORK/mlp_32-16-svd.gmz
E=$WORK/empty
mkdir -p "$E"
cp "$G" "$WORK/flip.gmz"
printf '\x55' | dd of="$WORK/flip.gmz" bs=1 seek=200 conv=notrunc 2> /dev/null
head -c 300 "$G" > "$WORK/trunc.gmz"
expect_fail 2 "export:" -- $GMDL export "$WORK/flip.gmz" --c "$E"
expect_fail 2 "export:" -- $GMDL export "$WORK/trunc.gmz" --c "$E"
expect_fail 2 "compress" -- $GMDL export "$WORK/mlp_32-16-svd.gmdl" --c "$E"
expect_fail 2 "not a C identifier" -- $GMDL export "$G" --c "$E" --name 9net
expect_fail 2 "expected float or int8" -- $GMDL export "$G" --c "$E" --arith int4
expect_fail 2 "--c DIR" -- $GMDL export "$G"
# a well-formed file (checksums valid) naming a method or a layer this gmdl does not know
PATCH=$5
"$PATCH" "$G" "$WORK/frob.gmz" model.method frob && ok || bad "gmz_patch method"
expect_fail 2 "frob" -- $GMDL export "$WORK/frob.gmz" --c "$E"
"$PATCH" "$WORK/cnn_c4k5-p2-d16-svd.gmz" "$WORK/layer.gmz" model.arch cnn:c4k5-q2-d16 &&
    ok || bad "gmz_patch arch"
expect_fail 2 "q2" -- $GMDL export "$WORK/layer.gmz" --c "$E"
# a net on a table: its standardisation and class names are not in the export, so it is refused
$GMDL train --arch mlp:8 --method dense --data "$SRC/tests/data/a9a/a9a_5000" --split 0.2 \
    --epochs 1 --quiet --out "$WORK/tab.gmdl" > /dev/null && ok || bad "train a tabular net"
expect_fail 2 "table" -- $GMDL export "$WORK/tab.gmdl" --c "$E"
[ -z "$(ls -A "$E")" ] && ok || bad "a failed export left files: $(ls "$E")"
# --c makes a missing folder, and takes it away again when the export fails
expect_fail 2 "frob" -- $GMDL export "$WORK/frob.gmz" --c "$WORK/new1"
[ ! -e "$WORK/new1" ] && ok || bad "a failed export left the folder it made"
$GMDL export "$G" --c "$WORK/new2" --quiet && [ -s "$WORK/new2/gmdl_net.c" ] && ok ||
    bad "export into a folder it has to make"
finish
