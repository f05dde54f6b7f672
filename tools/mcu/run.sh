#!/usr/bin/env bash
# Runs an exported net on QEMU's Cortex-M4 board (mps2-an386) against the same export on the host.
#   tools/mcu/run.sh GMDL MODEL IMAGES.idx N WORK [float|int8] [CALIBRATION_DIR]
# Exports MODEL into WORK/net, builds the host harness (tests/export/harness.c, cc -std=c99
# -pedantic -Werror) and the device image (arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
# -mfloat-abi=hard -Os, tools/mcu/startup.c, mps2_an386.ld, harness.c), feeds the first N images
# of the uncompressed IDX file to both, and compares: the same class for every image and
# probabilities within 1e-4. Prints one line of figures (bytes):
#   flash=TEXT+RODATA ram=DATA+BSS+STACK+IMAGE+PROBS stack=S images=N mismatch=M maxdiff=D
# where flash, data and bss are arm-none-eabi-size's of the net's object file alone, stack the
# most one predict call used (painted and measured on the board; at most 96 bytes reads as 96),
# image the uint8 pixels. Exit 0 when every image agrees, 1 otherwise, 77 without the toolchain.
set -u
GMDL=$1 MODEL=$2 IDX=$3 N=$4 WORK=$5 ARITH=${6:-float} CAL=${7:-}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
for t in arm-none-eabi-gcc arm-none-eabi-size qemu-system-arm; do
    command -v $t > /dev/null || { echo "skipped: $t not installed (tools/setup.sh installs it)"; exit 77; }
done
rm -rf "$WORK"
mkdir -p "$WORK/net"
X=(--arith "$ARITH")
[ "$ARITH" = int8 ] && X+=(--data "$CAL")
"$GMDL" export "$MODEL" --c "$WORK/net" "${X[@]}" --quiet || exit 1
cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$WORK/net" "$SRC/tests/export/harness.c" \
    "$WORK/net/gmdl_net.c" -lm -o "$WORK/host" || exit 1
"$WORK/host" "$IDX" "$N" u8 > "$WORK/host.csv" || exit 1
A="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os"
arm-none-eabi-gcc $A -std=c99 -pedantic -Wall -Wextra -Werror -c "$WORK/net/gmdl_net.c" -o "$WORK/net.o" &&
    arm-none-eabi-gcc $A -std=c99 -Wall -Wextra -Werror -I"$WORK/net" -I"$HERE" -c "$HERE/harness.c" -o "$WORK/harness.o" &&
    arm-none-eabi-gcc $A -std=c99 -Wall -Wextra -Werror -I"$HERE" -c "$HERE/startup.c" -o "$WORK/startup.o" &&
    arm-none-eabi-gcc $A -nostartfiles -T "$HERE/mps2_an386.ld" "$WORK/startup.o" "$WORK/harness.o" \
        "$WORK/net.o" -lm -lc -lgcc -o "$WORK/app.elf" || exit 1
tail -c +17 "$IDX" | head -c $((N * $(grep -o 'INPUTS [0-9]*' "$WORK/net/gmdl_net.h" | cut -d' ' -f2))) > "$WORK/images.bin"
# semihosting output into a file chardev (QEMU's stdio chardev needs a terminal)
(cd "$WORK" && timeout 600 qemu-system-arm -M mps2-an386 -display none -serial none -monitor none \
    -chardev file,id=sh,path=mcu.txt -semihosting-config enable=on,target=native,chardev=sh \
    -kernel app.elf < /dev/null > qemu.out 2> qemu.err) ||
    { echo "qemu failed: $(tail -3 "$WORK/mcu.txt" "$WORK/qemu.err")"; exit 1; }
read -r text data bss _ < <(arm-none-eabi-size "$WORK/net.o" | tail -1)
classes=$(grep -o 'CLASSES [0-9]*' "$WORK/net/gmdl_net.h" | cut -d' ' -f2)
inputs=$(grep -o 'INPUTS [0-9]*' "$WORK/net/gmdl_net.h" | cut -d' ' -f2)
stack=$(sed -n 's/^stack //p' "$WORK/mcu.txt")
awk -F'[, ]' -v text="$text" -v ram=$((data + bss + ${stack:-0} + inputs + 4 * classes)) \
    -v stack="${stack:-0}" '
    NR == FNR { if (FNR > 1) { hp[$1] = $2; for (k = 3; k <= NF; k++) hq[$1, k] = $k }; next }
    /^stack/ { next }
    {
        n++
        if (!($1 in hp) || hp[$1] != $2) mismatch++
        for (k = 3; k <= NF; k++) { d = $k / 1e7 - hq[$1, k]; if (d < 0) d = -d; if (d > md) md = d }
    }
    END {
        printf "flash=%d ram=%d stack=%d images=%d mismatch=%d maxdiff=%.3g\n", text, ram, stack, n, mismatch, md
        exit !(n > 0 && mismatch == 0 && md <= 1e-4)
    }' "$WORK/host.csv" "$WORK/mcu.txt"
