# gmdl export on an emulated Cortex-M4 (label mcu; issue 19's device test on small nets): an MLP
# and a conv net trained here with svd and compressed, exported (float and int8), built with
# arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -Os and the project's startup file
# and linker script (tools/mcu/), run on QEMU's mps2-an386 over 300 test images fed in by
# semihosting: every class equals the host's and the probabilities agree within 1e-4 (tools/mcu/run.sh).
# Exit 77 (skipped) only where arm-none-eabi-gcc or qemu-system-arm is not installed.
#   bash mcu.sh GMDL MAKE_IDX WORKDIR SOURCE_DIR
for t in arm-none-eabi-gcc arm-none-eabi-size qemu-system-arm; do
    command -v $t > /dev/null || { echo "skipped: $t not installed (tools/setup.sh installs it)"; exit 77; }
done
. "$(dirname "$0")/../cli/lib.sh"
SRC=$4
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 800 400 || exit 1
T="--data $D --epochs 3 --batch 50 --threads 2 --seed 1 --quiet --kl-warmup-start 0 --kl-warmup-epochs 1"
for arch in mlp:32-16 cnn:c4k5-p2-d16; do
    a=${arch//[:]/_}
    $GMDL train --arch $arch --method svd $T --out "$WORK/$a.gmdl" > /dev/null &&
        $GMDL compress "$WORK/$a.gmdl" --data "$D" --out "$WORK/$a.gmz" --quiet > /dev/null &&
        ok || { bad "train and compress $arch"; continue; }
    for ar in float int8; do
        r=$(bash "$SRC/tools/mcu/run.sh" "$GMDL" "$WORK/$a.gmz" "$D/t10k-images-idx3-ubyte" 300 \
            "$WORK/$a-$ar" $ar "$D")
        rc=$?
        echo "$arch $ar: $r"
        [ $rc = 0 ] && ok || bad "$arch $ar on the Cortex-M4 differs from the host: $r"
        grep -q "images=300 mismatch=0" <<< "$r" && ok || bad "$arch $ar: not every image agrees: $r"
    done
done
finish
