# Every public header compiles on its own, as C11 and as C++ (extern "C" guards). Every example
# user model (examples/models) compiles with the whole public API (<gmdl/gmdl.h>) included first;
# the deprecated ABI-1 fixture does not (its gmdl_model_create collides with the library's), which
# shows the check can fail.
. "$(dirname "$0")/lib.sh"
SRC=$5
for h in "$SRC"/include/gmdl/*.h; do
    name=$(basename "$h")
    printf '#include <gmdl/%s>\nint main(void) { return 0; }\n' "$name" > "$WORK/t.c"
    cc -std=c11 -Wall -Wextra -Werror -I"$SRC/include" -fsyntax-only "$WORK/t.c" && ok || bad "$name does not compile alone as C11"
    if command -v c++ > /dev/null; then
        cp "$WORK/t.c" "$WORK/t.cpp"
        c++ -Wall -Werror -I"$SRC/include" -fsyntax-only "$WORK/t.cpp" && ok || bad "$name does not compile as C++"
    fi
done
W="-std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror"
for m in "$SRC"/examples/models/*.c; do
    cc $W -include gmdl/gmdl.h -I"$SRC/include" -I"$SRC/examples/models" -fsyntax-only "$m" 2> "$WORK/m.err" && ok || bad "$(basename "$m") does not compile with gmdl/gmdl.h first: $(head -3 "$WORK/m.err")"
done
if cc $W -include gmdl/gmdl.h -I"$SRC/include" -fsyntax-only "$SRC/tests/fixtures/user_model_abi1.c" 2> "$WORK/m.err"; then
    bad "the ABI-1 fixture compiles with gmdl/gmdl.h first: the check cannot catch a collision"
elif grep -q "gmdl_model_create" "$WORK/m.err"; then ok; else bad "ABI-1 fixture: $(head -3 "$WORK/m.err")"; fi
finish
