# Every public header compiles on its own, as C11 and as C++ (extern "C" guards).
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
finish
