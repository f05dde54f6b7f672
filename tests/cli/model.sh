# User models as a new user writes them (issue 18, acceptance 5): `gmdl model new` prints a
# template and its compile command; the command, run as printed against a `cmake --install` into a
# temporary prefix (PKG_CONFIG_PATH set to it), builds a plugin the installed gmdl samples from.
# A C++ plugin and the example models built with -fvisibility=hidden load and sample. A model
# without a gradient is sampled through finite differences (means within 4 MCSE of the truth);
# --init sets the start point and refuses bad files naming the key; a NaN log density is reported
# with the point where it happened.
. "$(dirname "$0")/lib.sh"
BUILD=$4
SRC=$5
FIX=$SRC/tests/fixtures

# obj_field FILE OBJECT KEY: the number of "KEY" inside the one-line JSON object "OBJECT": {...}
obj_field() {
    grep -o "\"$2\": {[^}]*}" "$1" | head -1 | grep -o "\"$3\": [-0-9.eE+a-z]*" | sed 's/.*: //'
}
# within_mcse FILE NAME TRUTH: |mean - truth| <= 4 mcse
within_mcse() {
    local m s
    m=$(obj_field "$1" mean "$2")
    s=$(obj_field "$1" mcse "$2")
    if awk -v m="$m" -v s="$s" -v t="$3" 'BEGIN { d = m - t; if (d < 0) d = -d; exit !(s > 0 && d <= 4 * s) }'; then
        ok
    else
        bad "$2: mean $m, mcse $s, truth $3"
    fi
}

P=$WORK/prefix
cmake --install "$BUILD" --prefix "$P" > "$WORK/install.log" 2>&1 && ok || { bad "install failed: $(tail -3 "$WORK/install.log")"; finish; }
PC=$(dirname "$(ls "$P"/lib*/pkgconfig/gmdl.pc)")
LIBDIR=$(dirname "$PC")
export PKG_CONFIG_PATH=$PC
export LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
IG=$P/bin/gmdl
[ -r "$P/include/gmdl/infer.h" ] && grep -q GMDL_MODEL_EXPORT "$P/include/gmdl/infer.h" && ok || bad "installed infer.h lacks GMDL_MODEL_EXPORT"

# 1. the template: stdout and --out agree; the printed command compiles it; the installed gmdl
#    samples from it without a warning
mkdir -p "$WORK/user" && cd "$WORK/user" || finish
"$IG" model new my_model > stdout.c 2> new.err && ok || bad "model new: $(cat new.err)"
"$IG" model new my_model --out my_model.c > /dev/null 2> out.err && ok || bad "model new --out: $(cat out.err)"
cmp -s stdout.c my_model.c && ok || bad "stdout and --out differ"
cmd=$(sed -n 's/^gmdl model new: compile: //p' new.err)
[ "$cmd" = 'cc -shared -fPIC my_model.c -o my_model.so $(pkg-config --cflags gmdl)' ] && ok || bad "printed compile command: '$cmd'"
grep -qF "$cmd" my_model.c && ok || bad "the file's comment lacks the compile command"
eval "$cmd" 2> cc.err && [ -r my_model.so ] && ok || bad "the printed command failed: $(cat cc.err)"
# the template is warning-free under the project's strictest flags, in C and as C++-compatible headers
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -shared -fPIC my_model.c -o strict.so $(pkg-config --cflags gmdl) 2> strict.err && ok || bad "template warns: $(cat strict.err)"
run=$(sed -n 's/^gmdl model new: sample:  //p' new.err)
[ "$run" = "gmdl sample --model-lib ./my_model.so" ] && ok || bad "printed run command: '$run'"
if "$IG" sample --model-lib ./my_model.so --strict --json > j 2> e; then
    m=$(obj_field j mean mu)
    # the posterior mean of mu is near the data's mean 2.4 (8 points, sd about 0.65)
    awk -v m="$m" 'BEGIN { exit !(m > 1.9 && m < 2.9) }' && ok || bad "template: mean mu $m"
    grep -qF '"gradient": "model"' j && ok || bad "template: JSON lacks gradient model"
else
    bad "installed gmdl cannot sample the template: $(cat e)"
fi
printf '{"N": 3, "y": [10.0, 10.5, 9.5]}' > d.json
if "$IG" sample --model-lib ./my_model.so --data d.json --json > j 2> e; then
    m=$(obj_field j mean mu)
    awk -v m="$m" 'BEGIN { exit !(m > 8.5 && m < 11.5) }' && ok || bad "template --data: mean mu $m"
else
    bad "template --data: $(cat e)"
fi
printf '{"N": 3, "y": [10.0, 10.5]}' > d2.json
expect_fail 2 "y has 2 values, N = 3" -- "$IG" sample --model-lib ./my_model.so --data d2.json
"$IG" model new my_model --out my_model.c --json > j 2> e
[ $? = 2 ] && grep -qF "exists" e && ok || bad "model new --out over an existing file: $(cat e)"
"$IG" model new other --json > j 2> e && grep -qF '"compile": "cc -shared -fPIC other.c -o other.so' j && grep -qF '"source": "/* other:' j && ok || bad "model new --json: $(cat j e)"
expect_fail 2 "C identifier" -- "$IG" model new "9lives"
expect_fail 2 "unknown subcommand" -- "$IG" model old x

# 2. C++ and -fvisibility=hidden: the symbol is exported, the rest stays hidden
if command -v g++ > /dev/null; then
    g++ -std=c++11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden "$FIX/user_model_cpp.cpp" -o cpp_model.so $(pkg-config --cflags gmdl) 2> gxx.err && ok || bad "C++ model: $(cat gxx.err)"
    nm -D --defined-only cpp_model.so | grep -q ' T gmdl_user_model_v2$' && ok || bad "C++ model does not export gmdl_user_model_v2 (C linkage): $(nm -D --defined-only cpp_model.so)"
    if "$IG" sample --model-lib ./cpp_model.so --json --seed 2 > j 2> e; then
        within_mcse j x 0.5
        within_mcse j y -1.0
    else
        bad "C++ model does not sample: $(cat e)"
    fi
else
    echo "note: no g++; the C++ build is not checked" >&2
fi
for m in eight_schools blr; do
    cc -std=c11 -Wall -Werror -shared -fPIC -fvisibility=hidden "$SRC/examples/models/$m.c" -o "hidden_$m.so" $(pkg-config --cflags gmdl) -lm 2> h.err && ok || bad "$m hidden: $(cat h.err)"
    n=$(nm -D --defined-only "hidden_$m.so" | grep -c ' T ')
    [ "$n" = 1 ] && ok || bad "$m hidden: $n exported functions, want 1 (gmdl_user_model_v2)"
    "$IG" sample --model-lib "./hidden_$m.so" --n 200 --chains 2 > /dev/null 2> e && ok || bad "$m hidden does not sample: $(cat e)"
done
# the same source without GMDL_MODEL_EXPORT under -fvisibility=hidden would export nothing
sed 's/^GMDL_MODEL_EXPORT //' my_model.c > plain.c
cc -shared -fPIC -fvisibility=hidden plain.c -o plain.so $(pkg-config --cflags gmdl) 2> /dev/null
nm -D --defined-only plain.so | grep -q 'gmdl_user_model_v2' && ok || bad "the header's declaration alone should export it (it carries the visibility)"

# 3. no gradient: central finite differences, said on stderr and in JSON; exact means
cc -std=c11 -Wall -Wextra -Werror -shared -fPIC "$FIX/user_model_nograd.c" -o nograd.so $(pkg-config --cflags gmdl) 2> ng.err && ok || bad "nograd: $(cat ng.err)"
if "$GMDL" sample --model-lib ./nograd.so --n 2000 --seed 4 --json > j 2> e; then
    within_mcse j a 1.0
    within_mcse j b -2.0
    within_mcse j c "$(awk 'BEGIN { printf "%.10f", exp(0.5 + 0.045) }')"
    grep -qF "central finite differences" e && ok || bad "nograd: no note on stderr: $(cat e)"
    grep -qF '"gradient": "finite-differences"' j && ok || bad "nograd: JSON lacks the gradient key"
    grep -qF '"warnings": []' j && ok || bad "nograd: warnings: $(cat j)"
else
    bad "nograd does not sample: $(cat e)"
fi
"$GMDL" sample --model-lib ./nograd.so --n 100 -q > /dev/null 2> e && [ ! -s e ] && ok || bad "nograd -q: $(cat e)"
expect_fail 2 "no gradient" -- "$GMDL" sample --model-lib ./nograd.so --check-grad

# 4. NaN where the chains started finite: a warning naming the point (a > 2.5 there); --strict 1
"$GMDL" sample --model-lib ./nograd.so --model-arg nan --n 300 --strict --json > j 2> e
rc=$?
[ "$rc" = 1 ] && ok || bad "NaN run --strict exited $rc: $(cat e)"
if grep -qF "warning [nan_logp]" e && grep -qF '"code": "nan_logp"' j; then
    a=$(grep -o 'One of them: a = [-0-9.e+]*' e | sed 's/.*= //')
    awk -v a="$a" 'BEGIN { exit !(a > 2.5) }' && ok || bad "NaN point a = '$a': $(cat e)"
    grep -qF ", b = " e && grep -qF ", c = " e && ok || bad "NaN report lacks b and c: $(cat e)"
else
    bad "no nan_logp warning: $(cat e)"
fi
n=$(json_field j nan_logp)
[ -n "$n" ] && [ "$n" -gt 0 ] && ok || bad "JSON nan_logp '$n'"
"$GMDL" sample --model-lib ./nograd.so --model-arg nan --n 300 --threads 1 --json > j1 2> /dev/null
"$GMDL" sample --model-lib ./nograd.so --model-arg nan --n 300 --threads 2 --json > j2 2> /dev/null
[ "$(grep -o 'One of them[^.]*' j1)" = "$(grep -o 'One of them[^.]*' j2)" ] && ok || bad "the NaN point depends on the threads"

# 5. --init: every chain starts at the point (MH with a negligible step and no warm-up stays
#    there); bad files exit 2 naming the key
printf '{"mu": 1.5, "sigma": 0.7, "other": [1, 2]}' > init.json
if "$GMDL" sample --model-lib ./my_model.so --init init.json --method mh --warmup 0 --step 1e-12 --n 20 --json > j 2> e; then
    mu=$(obj_field j mean mu)
    sg=$(obj_field j mean sigma)
    awk -v a="$mu" -v b="$sg" 'BEGIN { exit !(a - 1.5 < 1e-9 && 1.5 - a < 1e-9 && b - 0.7 < 1e-9 && 0.7 - b < 1e-9) }' && ok || bad "--init: start mu $mu sigma $sg"
else
    bad "--init: $(cat e)"
fi
"$GMDL" sample --model-lib ./my_model.so --init init.json -q > /dev/null 2> e && ok || bad "--init with NUTS: $(cat e)"
printf '{"mu": 1.5}' > b1.json
expect_fail 2 "--init" "b1.json" 'missing key "sigma"' -- "$GMDL" sample --model-lib ./my_model.so --init b1.json
printf '{"mu": 1.5, "sigma": -0.7}' > b2.json
expect_fail 2 "--init" "sigma" "outside its support" "> 0" -- "$GMDL" sample --model-lib ./my_model.so --init b2.json
printf '{"mu": [1.5, 2], "sigma": 1}' > b3.json
expect_fail 2 "--init" "b3.json" '"mu"' -- "$GMDL" sample --model-lib ./my_model.so --init b3.json
printf '{"mu": 1.5, "sigma": ' > b4.json
expect_fail 2 "--init" "b4.json" -- "$GMDL" sample --model-lib ./my_model.so --init b4.json
expect_fail 2 "--init" "nothere.json" -- "$GMDL" sample --model-lib ./my_model.so --init nothere.json
expect_fail 2 "--init needs an MCMC method" -- "$GMDL" sample --model-lib ./my_model.so --init init.json --method vi
# a model without names: theta[1..10] is the vector "theta", whose length is checked
printf '{"theta": [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]}' > t10.json
"$GMDL" sample --model-lib ./hidden_eight_schools.so --init t10.json --n 100 -q > /dev/null 2> e && ok || bad "--init theta: $(cat e)"
printf '{"theta": [0, 0, 0, 0, 0, 0, 0, 0, 1]}' > t9.json
expect_fail 2 '"theta" has 9 values' "theta[10]" -- "$GMDL" sample --model-lib ./hidden_eight_schools.so --init t9.json
finish
