# Bad input on the command line: every case exits 2 with one line naming the file and problem.
. "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 300 100 || exit 1
T="$GMDL train --arch mlp:16 --epochs 1 --quiet"

# usage errors
expect_fail 2 "unknown option" "--frobnicate" -- $GMDL train --frobnicate --out "$WORK/m.gmdl"
expect_fail 2 "--epochs" "integer" "ten" -- $T --data "$D" --epochs ten --out "$WORK/m.gmdl"
expect_fail 2 "--lr" "number" -- $T --data "$D" --lr abc --out "$WORK/m.gmdl"
expect_fail 2 "--batch" "must be in" -- $T --data "$D" --batch 0 --out "$WORK/m.gmdl"
expect_fail 2 "--out" -- $T --data "$D"
expect_fail 2 "unknown command" -- $GMDL frobnicate
expect_fail 2 "unknown architecture" "cnnx" -- $T --data "$D" --arch cnnx --out "$WORK/m.gmdl"
expect_fail 2 "unknown method" "frob" -- $T --data "$D" --method frob --out "$WORK/m.gmdl"
expect_fail 2 "sws" "--init MODEL" -- $T --data "$D" --method sws --out "$WORK/m.gmdl"
expect_fail 2 "--sws-zero-sd" "must be in" -- $T --data "$D" --method sws --sws-zero-sd 1 --out "$WORK/m.gmdl"
expect_fail 2 "--sws-harden" "must increase" -- $T --data "$D" --method sws --init "$WORK/none.gmdl" --sws-harden 0.5,0.2,1 --out "$WORK/m.gmdl"
expect_fail 2 "--sws-harden" "character 5" -- $T --data "$D" --method sws --init "$WORK/none.gmdl" --sws-harden 0.5,x --out "$WORK/m.gmdl"
expect_fail 2 "6 stages" "3 epochs" -- $T --data "$D" --method sws --epochs 3 --init "$WORK/none.gmdl" --out "$WORK/m.gmdl"
expect_fail 2 "conv1" "30x30 kernel" "1x28x28" -- $T --data "$D" --arch cnn:c4k30 --out "$WORK/m.gmdl"
expect_fail 2 "conv3" "5x5 kernel" "4x4x4" -- $T --data "$D" --arch cnn:c4k5-p2-c4k5-p2-c4k5 --out "$WORK/m.gmdl"
expect_fail 2 "pool" "3x3 pooling window" "2x2x2" -- $T --data "$D" --arch cnn:c2k5s12-p3 --out "$WORK/m.gmdl"
expect_fail 2 "cannot parse 'c20k'" -- $T --data "$D" --arch cnn:c20k-p2 --out "$WORK/m.gmdl"
expect_fail 2 "missing argument" -- $GMDL eval

# data errors
expect_fail 2 "/nonexistent/data" "no such data folder" -- $T --data /nonexistent/data --out "$WORK/m.gmdl"
cp -r "$D" "$WORK/trunc"
head -c 5000 "$D/train-images-idx3-ubyte" > "$WORK/trunc/train-images-idx3-ubyte"
expect_fail 2 "$WORK/trunc/train-images-idx3-ubyte" "truncated" -- $T --data "$WORK/trunc" --out "$WORK/m.gmdl"
cp -r "$D" "$WORK/magic"
printf '\x12\x34' | dd of="$WORK/magic/train-labels-idx1-ubyte" bs=1 seek=0 conv=notrunc 2> /dev/null
expect_fail 2 "$WORK/magic/train-labels-idx1-ubyte" "not an IDX file" -- $T --data "$WORK/magic" --out "$WORK/m.gmdl"
cp -r "$D" "$WORK/count"
cp "$D/t10k-labels-idx1-ubyte" "$WORK/count/train-labels-idx1-ubyte"
expect_fail 2 "300 images" "100 labels" -- $T --data "$WORK/count" --out "$WORK/m.gmdl"
cp -r "$D" "$WORK/label"
printf '\x0b' | dd of="$WORK/label/t10k-labels-idx1-ubyte" bs=1 seek=20 conv=notrunc 2> /dev/null
expect_fail 2 "$WORK/label/t10k-labels-idx1-ubyte" "label 11" "class range" -- $T --data "$WORK/label" --out "$WORK/m.gmdl"
# a file that is not a model is not overwritten
echo "precious" > "$WORK/precious.txt"
expect_fail 2 "precious.txt" "not a gmdl model file" -- $T --data "$D" --out "$WORK/precious.txt"
grep -q precious "$WORK/precious.txt" && ok || bad "precious.txt was modified"

# model file errors
$T --data "$D" --out "$WORK/good.gmdl" > /dev/null 2>&1 || bad "training the reference model failed"
size=$(stat -c %s "$WORK/good.gmdl")
cp "$WORK/good.gmdl" "$WORK/flip.gmdl"
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N1 "$WORK/flip.gmdl" | tr -d ' ')
printf "\\$(printf '%03o' $(((byte + 1) % 256)))" | dd of="$WORK/flip.gmdl" bs=1 seek="$off" conv=notrunc 2> /dev/null
expect_fail 2 "$WORK/flip.gmdl" "checksum" -- $GMDL eval "$WORK/flip.gmdl" --data "$D"
head -c $((size - 100)) "$WORK/good.gmdl" > "$WORK/trunc.gmdl"
expect_fail 2 "$WORK/trunc.gmdl" "truncated" -- $GMDL eval "$WORK/trunc.gmdl" --data "$D"
cp "$WORK/good.gmdl" "$WORK/newer.gmdl"
printf '\x02' | dd of="$WORK/newer.gmdl" bs=1 seek=8 conv=notrunc 2> /dev/null
expect_fail 2 "$WORK/newer.gmdl" "version 2.0" "newer" -- $GMDL eval "$WORK/newer.gmdl" --data "$D"
expect_fail 2 "$WORK/none.gmdl" "cannot open" -- $GMDL info "$WORK/none.gmdl"
expect_fail 2 "not a gmdl file" -- $GMDL info "$D/train-labels-idx1-ubyte"

# --init: another architecture, a file that is not a model
$GMDL train --arch mlp:8 --epochs 1 --quiet --data "$D" --out "$WORK/m8.gmdl" > /dev/null 2>&1 || bad "training mlp:8 failed"
expect_fail 2 "--init" "architecture mlp:8" -- $T --data "$D" --method sws --sws-harden 1 --init "$WORK/m8.gmdl" --out "$WORK/m.gmdl"
expect_fail 2 "$D/train-labels-idx1-ubyte" -- $T --data "$D" --method svd --init "$D/train-labels-idx1-ubyte" --out "$WORK/m.gmdl"
expect_fail 2 "--threshold" "comma-separated" -- $GMDL compress "$WORK/m8.gmdl" --data "$D" --out "$WORK/x.gmz" --threshold 1,x

# compressed models
expect_fail 2 "no posterior to compress from" -- $GMDL compress "$WORK/good.gmdl" --data "$D" --out "$WORK/x.gmz"
$T --data "$D" --method svd --out "$WORK/svd.gmdl" > /dev/null 2>&1 || bad "training an svd model failed"
$GMDL compress "$WORK/svd.gmdl" --data "$D" --out "$WORK/svd.gmz" --histograms "$WORK/h.png" --json > "$WORK/c.json" && ok || bad "compress failed"
[ "$(head -c 4 "$WORK/h.png" | od -An -tx1 | tr -d ' ')" = "89504e47" ] && ok || bad "--histograms did not write a PNG"
for k in layers nonzero_fraction pruning_rate fast_prediction_rate max_compression_rate test_error bytes rule_bits threshold; do
    grep -q "\"$k\":" "$WORK/c.json" && ok || bad "compress --json lacks $k"
done
[ "$(json_field "$WORK/c.json" bytes)" = "$(stat -c %s "$WORK/svd.gmz")" ] && ok || bad "bytes differs from the file size"
$GMDL eval "$WORK/svd.gmz" --data "$D" --json > "$WORK/ce.json" && ok || bad "eval of the .gmz failed"
[ "$(json_field "$WORK/c.json" test_error)" = "$(json_field "$WORK/ce.json" test_error)" ] && ok || bad "eval .gmz error differs from compress's"
gsize=$(stat -c %s "$WORK/svd.gmz")
head -c $((gsize - 20)) "$WORK/svd.gmz" > "$WORK/trunc.gmz"
expect_fail 2 "$WORK/trunc.gmz" "truncated" -- $GMDL eval "$WORK/trunc.gmz" --data "$D"
cp "$WORK/svd.gmz" "$WORK/flip.gmz"
printf '\x55' | dd of="$WORK/flip.gmz" bs=1 seek=$((gsize / 2)) conv=notrunc 2> /dev/null
expect_fail 2 "$WORK/flip.gmz" "checksum" -- $GMDL eval "$WORK/flip.gmz" --data "$D"

# help and version succeed
$GMDL --help > /dev/null && ok || bad "gmdl --help"
$GMDL train --help | grep -q -- "--epochs N" && ok || bad "train --help lacks --epochs"
$GMDL --version | grep -q "^gmdl " && ok || bad "gmdl --version"
finish
