# cmake --install puts the library, headers, gmdl and gmdl.pc in place; an example builds against
# the installed copy with pkg-config and runs; the example user models build against the installed
# headers and the installed gmdl samples from them.
. "$(dirname "$0")/lib.sh"
BUILD=$4
SRC=$5
P=$WORK/prefix
cmake --install "$BUILD" --prefix "$P" > "$WORK/install.log" 2>&1 && ok || { bad "install failed: $(tail -3 "$WORK/install.log")"; finish; }
for f in include/gmdl/gmdl.h include/gmdl/nn.h bin/gmdl; do
    [ -e "$P/$f" ] && ok || bad "missing $f"
done
ls "$P"/lib*/libgmdl.so* > /dev/null 2>&1 && ok || bad "missing shared library"
ls "$P"/lib*/libgmdl.a > /dev/null 2>&1 && ok || bad "missing static library"
PC=$(dirname "$(ls "$P"/lib*/pkgconfig/gmdl.pc)")
export PKG_CONFIG_PATH=$PC
flags=$(pkg-config --cflags --libs gmdl) && ok || bad "pkg-config failed"
cc -std=c11 -Wall -Werror "$SRC/examples/train_mlp.c" $flags -o "$WORK/example" && ok || bad "example does not build against the installed copy"
D=$WORK/data
mkdir -p "$D"
"$MAKE_IDX" "$D" 200 50 || exit 1
LIBDIR=$(pkg-config --variable=libdir gmdl)
LD_LIBRARY_PATH=$LIBDIR "$WORK/example" "$D" "$WORK/ex.gmdl" 1 > "$WORK/ex.out" && ok || bad "example failed to run"
grep -q "reloaded model" "$WORK/ex.out" && ok || bad "example output: $(cat "$WORK/ex.out")"
LD_LIBRARY_PATH=$LIBDIR "$P/bin/gmdl" info "$WORK/ex.gmdl" > /dev/null && ok || bad "installed gmdl cannot read the model"
for m in "$SRC"/examples/models/*.c; do
    so=$WORK/$(basename "$m" .c).so
    cc -std=c11 -Wall -Werror -shared -fPIC $(pkg-config --cflags gmdl) "$m" -lm -o "$so" && ok || bad "$(basename "$m") does not build against the installed headers"
    LD_LIBRARY_PATH=$LIBDIR "$P/bin/gmdl" sample --model-lib "$so" --method hmc --n 50 --chains 1 > /dev/null 2> "$WORK/m.err" && ok || bad "installed gmdl cannot sample $(basename "$so"): $(cat "$WORK/m.err")"
done
finish
