# Installation: cmake --install puts the library, headers, gmdl, gmdl.pc and gmdlConfig.cmake in
# place, for the build's own layout (lib/), a relative --prefix, and a Debian-style multiarch
# /usr prefix (lib/x86_64-linux-gnu, installed under DESTDIR); both examples build against each
# with pkg-config, and against the multiarch one with find_package(gmdl), and run.
# The example user models build against the installed headers and the installed gmdl samples
# from them.
. "$(dirname "$0")/lib.sh"
BUILD=$4
SRC=$5
ASIA=$6
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 200 50 || exit 1

# check_pc PCDIR LIBDIR INCLUDEDIR: gmdl.pc in PCDIR names these directories (after realpath)
check_pc() {
    local lib inc
    lib=$(PKG_CONFIG_PATH=$1 pkg-config --variable=libdir gmdl) && inc=$(PKG_CONFIG_PATH=$1 pkg-config --variable=includedir gmdl) &&
        [ "$(realpath -m "$lib")" = "$(realpath -m "$2")" ] && [ "$(realpath -m "$inc")" = "$(realpath -m "$3")" ] &&
        ok || bad "gmdl.pc in $1: libdir '$lib' includedir '$inc', expected $2 and $3"
}
# with_pkgconfig NAME PCDIR: both examples build with pkg-config flags alone and run
with_pkgconfig() {
    local name=$1 pc=$2 flags libdir
    flags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs gmdl) && ok || bad "$name: pkg-config failed"
    libdir=$(PKG_CONFIG_PATH=$pc pkg-config --variable=libdir gmdl)
    for ex in train_mlp bn_asia vae_fmnist; do
        cc -std=c11 -Wall -Werror "$SRC/examples/$ex.c" $flags -o "$WORK/$name-$ex" && ok ||
            bad "$name: examples/$ex.c does not build with the pkg-config flags alone"
    done
    LD_LIBRARY_PATH=$libdir "$WORK/$name-train_mlp" "$D" "$WORK/$name.gmdl" 1 > "$WORK/$name.out" && ok || bad "$name: train_mlp failed"
    grep -q "reloaded model" "$WORK/$name.out" && ok || bad "$name: train_mlp output: $(cat "$WORK/$name.out")"
    LD_LIBRARY_PATH=$libdir "$WORK/$name-bn_asia" "$ASIA" > "$WORK/$name-asia.out" && ok || bad "$name: bn_asia failed"
    grep -q "8 nodes" "$WORK/$name-asia.out" && ok || bad "$name: bn_asia output: $(cat "$WORK/$name-asia.out")"
}

# 1. the build's own layout at an absolute prefix
P=$WORK/prefix
cmake --install "$BUILD" --prefix "$P" > "$WORK/install.log" 2>&1 && ok || { bad "install failed: $(tail -3 "$WORK/install.log")"; finish; }
for f in include/gmdl/gmdl.h include/gmdl/model.h include/gmdl/nn.h bin/gmdl; do
    [ -e "$P/$f" ] && ok || bad "missing $f"
done
ls "$P"/lib*/libgmdl.so* > /dev/null 2>&1 && ok || bad "missing shared library"
ls "$P"/lib*/libgmdl.a > /dev/null 2>&1 && ok || bad "missing static library"
ls "$P"/lib*/cmake/gmdl/gmdlConfig.cmake > /dev/null 2>&1 && ok || bad "missing gmdlConfig.cmake"
PC=$(dirname "$(ls "$P"/lib*/pkgconfig/gmdl.pc)")
check_pc "$PC" "$(dirname "$PC")" "$P/include"
with_pkgconfig prefix "$PC"
LD_LIBRARY_PATH=$(dirname "$PC") "$P/bin/gmdl" info "$WORK/prefix.gmdl" > /dev/null && ok || bad "installed gmdl cannot read the model"
LIBDIR=$(dirname "$PC")
for m in "$SRC"/examples/models/*.c; do
    so=$WORK/$(basename "$m" .c).so
    cc -std=c11 -Wall -Werror -shared -fPIC $(PKG_CONFIG_PATH=$PC pkg-config --cflags gmdl) "$m" -lm -o "$so" && ok || bad "$(basename "$m") does not build against the installed headers"
    LD_LIBRARY_PATH=$LIBDIR "$P/bin/gmdl" sample --model-lib "$so" --method hmc --n 50 --chains 1 > /dev/null 2> "$WORK/m.err" && ok || bad "installed gmdl cannot sample $(basename "$so"): $(cat "$WORK/m.err")"
done

# 2. a relative --prefix, then the tree moved elsewhere: gmdl.pc follows it
(cd "$WORK" && cmake --install "$BUILD" --prefix rel > rel.log 2>&1) && ok || bad "install with a relative prefix failed"
mv "$WORK/rel" "$WORK/moved"
PC=$(dirname "$(ls "$WORK"/moved/lib*/pkgconfig/gmdl.pc)")
check_pc "$PC" "$(dirname "$PC")" "$WORK/moved/include"
with_pkgconfig moved "$PC"

# 3. Debian's layout: prefix /usr, libdir lib/x86_64-linux-gnu (a build of the library alone)
MA=$WORK/multiarch
cmake -S "$SRC" -B "$MA" -DCMAKE_BUILD_TYPE=Release -DGMDL_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu > "$WORK/ma.log" 2>&1 &&
    cmake --build "$MA" -j2 --target gmdl_shared gmdl_static gmdl >> "$WORK/ma.log" 2>&1 &&
    DESTDIR=$WORK/root cmake --install "$MA" >> "$WORK/ma.log" 2>&1 && ok ||
    { bad "multiarch build or install failed: $(tail -3 "$WORK/ma.log")"; finish; }
R=$WORK/root/usr
check_pc "$R/lib/x86_64-linux-gnu/pkgconfig" "$R/lib/x86_64-linux-gnu" "$R/include"
with_pkgconfig multiarch "$R/lib/x86_64-linux-gnu/pkgconfig"
C=$WORK/consumer
cmake -S "$SRC/tests/cli/consumer" -B "$C" -DCMAKE_PREFIX_PATH="$R" -DGMDL_EXAMPLES="$SRC/examples" > "$WORK/consumer.log" 2>&1 &&
    cmake --build "$C" >> "$WORK/consumer.log" 2>&1 && ok || bad "find_package(gmdl) consumer failed: $(tail -5 "$WORK/consumer.log")"
LD_LIBRARY_PATH=$R/lib/x86_64-linux-gnu "$C/train_mlp" "$D" "$WORK/fp.gmdl" 1 > "$WORK/fp.out" && grep -q "reloaded model" "$WORK/fp.out" && ok || bad "find_package: train_mlp failed"
"$C/train_mlp_static" "$D" "$WORK/fps.gmdl" 1 > "$WORK/fps.out" && grep -q "reloaded model" "$WORK/fps.out" && ok || bad "find_package: static train_mlp failed"
LD_LIBRARY_PATH=$R/lib/x86_64-linux-gnu "$C/bn_asia" "$ASIA" | grep -q "8 nodes" && ok || bad "find_package: bn_asia failed"

# 4. an absolute libdir is written into gmdl.pc as given (configure only)
cmake -S "$SRC" -B "$WORK/abs" -DGMDL_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/opt/gmdl -DCMAKE_INSTALL_LIBDIR=/opt/gmdl-lib \
    > "$WORK/abs.log" 2>&1 && ok || bad "configure with an absolute libdir failed"
grep -qx "libdir=/opt/gmdl-lib" "$WORK/abs/gmdl.pc" && grep -qx 'includedir=${prefix}/include' "$WORK/abs/gmdl.pc" &&
    grep -qx "prefix=/opt/gmdl" "$WORK/abs/gmdl.pc" && ok || bad "absolute libdir: $(grep -E '^(prefix|libdir|includedir)=' "$WORK/abs/gmdl.pc" | tr '\n' ' ')"
finish
