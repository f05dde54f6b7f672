#!/usr/bin/env bash
# Checks the module layering on the built object files (nm and objdump from binutils).
#
#   layering.sh modules MANIFEST         every call between modules follows src/CMakeLists.txt
#   layering.sh cycles MANIFEST KNOWN    no call cycle between the files of one module, except
#                                        the cycles listed in KNOWN (one per line, sorted paths)
#
# MANIFEST is written by CMake (build/layers/manifest.txt): one line per module,
# "module|modules it may call (;-separated)|its object files (space-separated)".
# A call is an undefined symbol of one object that another object defines; the caller is the
# function (or data object, for a table of function pointers) holding the relocation. Symbols
# that no module defines (libc, zlib, oneDNN, OpenMP) are not calls between modules.
# Ends with "N passed, N failed" (one check per module); the exit status is 1 on any failure.
set -euo pipefail
export LC_ALL=C

usage() {
    echo "usage: $0 modules MANIFEST | cycles MANIFEST KNOWN_CYCLES" >&2
    exit 2
}
[ $# -ge 2 ] || usage
mode=$1
manifest=$2
[ -r "$manifest" ] || {
    echo "layering: cannot read $manifest (build the project first)" >&2
    exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# src/pgm/jt.c for .../build/src/CMakeFiles/gmdl_pgm.dir/pgm/jt.c.o
src_of() { echo "$1" | sed -E 's|^(.*/)?([^/]+)/CMakeFiles/[^/]+\.dir/|\2/|; s|\.o$||'; }

# objects: "object module file"; allowed: "module m1 m2..."
while IFS='|' read -r mod below objs; do
    [ -n "$mod" ] || continue
    echo "$mod ${below//;/ }" >> "$tmp/allowed"
    for o in $objs; do
        echo "$o $mod $(src_of "$o")" >> "$tmp/objects"
    done
done < "$manifest"
[ -s "$tmp/objects" ] || {
    echo "layering: $manifest lists no object files" >&2
    exit 2
}
# defs and undefs: "symbol module file object", from one nm run each over all objects
cut -d' ' -f1 "$tmp/objects" | xargs nm -A -g --defined-only > "$tmp/nm_defs"
cut -d' ' -f1 "$tmp/objects" | xargs nm -A -u > "$tmp/nm_undefs"
tag() { # nm -A output -> "symbol module file object"
    awk -v objects="$tmp/objects" '
        BEGIN { while ((getline l < objects) > 0) { split(l, a, " "); mod[a[1]] = a[2]; src[a[1]] = a[3] } }
        { c = index($0, ":"); o = substr($0, 1, c - 1); n = split(substr($0, c + 1), f, " ")
          if (n == 3 && f[2] !~ /[TDBRVWGSCiu]/) next
          if (o in mod) print f[n], mod[o], src[o], o }' "$1"
}
tag "$tmp/nm_defs" > "$tmp/defs"
tag "$tmp/nm_undefs" > "$tmp/undefs"
sort -k1,1 -o "$tmp/defs" "$tmp/defs"
sort -k1,1 -o "$tmp/undefs" "$tmp/undefs"
# uses: "symbol caller-module caller-file caller-object callee-module callee-file"
join "$tmp/undefs" "$tmp/defs" | awk '{ print $1, $2, $3, $4, $5, $6 }' > "$tmp/uses"

# The functions or data objects of OBJECT that refer to SYMBOL, comma-separated.
callers() { # object symbol
    objdump -t "$1" | awk -F'\t' '
        / F | O / { na = split($1, a, " "); nb = split($2, b, " "); print a[na], a[1], b[1], b[nb] }' \
        > "$tmp/symtab"
    objdump -r "$1" | awk -v want="$2" -v symtab="$tmp/symtab" '
        function hex(s, i, x) {
            x = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) x = x * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return x
        }
        BEGIN { while ((getline l < symtab) > 0) { split(l, s, " "); n++;
                    sec[n] = s[1]; lo[n] = hex(s[2]); hi[n] = lo[n] + hex(s[3]); nm[n] = s[4] } }
        /^RELOCATION RECORDS FOR/ { cur = $4; gsub(/[\[\]:]/, "", cur); next }
        NF == 3 && $1 ~ /^[0-9a-f]+$/ {
            v = $3; sub(/[-+].*/, "", v); if (v != want) next
            off = hex($1); who = cur
            for (i = 1; i <= n; i++) if (sec[i] == cur && off >= lo[i] && off < hi[i]) who = nm[i]
            if (!(who in seen)) { seen[who] = 1; out = out (out == "" ? "" : ",") who }
        }
        END { print (out == "" ? "?" : out) }'
}

check_modules() {
    local failed=0 passed=0
    echo "layering: module -> modules it calls (may call)"
    while read -r mod rest; do
        local used
        used=$(awk -v m="$mod" '$2 == m && $5 != m { print $5 }' "$tmp/uses" | sort -u | tr '\n' ' ')
        printf '  %-9s -> %-32s (%s)\n' "$mod" "${used:-nothing}" "${rest:-nothing}"
    done < "$tmp/allowed"
    while read -r mod rest; do
        local bad
        bad=$(awk -v m="$mod" -v ok=" $rest " \
            '$2 == m && $5 != m && index(ok, " " $5 " ") == 0 { print $4, $1, $3, $5, $6 }' \
            "$tmp/uses" | sort -u)
        if [ -z "$bad" ]; then
            passed=$((passed + 1))
            continue
        fi
        failed=$((failed + 1))
        while read -r obj sym file callee cfile; do
            echo "FAIL $file:$(callers "$obj" "$sym") -> $callee ($sym, $cfile);" \
                "$mod may call: ${rest:-nothing}"
        done <<< "$bad"
    done < "$tmp/allowed"
    [ "$failed" = 0 ] || echo "layering: change the call, or the gmdl_layer line in src/CMakeLists.txt"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

# Strongly connected components of the file graph inside each module, one per line:
# "module file1 file2 ..." (files sorted), for components of two files or more.
file_cycles() {
    awk '$2 == $5 && $3 != $6 { print $2, $3, $6 }' "$tmp/uses" | sort -u | awk '
        { m[$1] = 1; e[$1, $2, $3] = 1; f[$1, $2] = 1; f[$1, $3] = 1 }
        END {
            for (mod in m) {
                n = 0; delete v; delete r
                for (k in f) { split(k, p, SUBSEP); if (p[1] == mod) v[++n] = p[2] }
                for (i = 1; i <= n; i++) for (j = 1; j <= n; j++) r[i, j] = ((mod, v[i], v[j]) in e)
                for (k = 1; k <= n; k++) for (i = 1; i <= n; i++) if (r[i, k])
                    for (j = 1; j <= n; j++) if (r[k, j]) r[i, j] = 1
                delete done
                for (i = 1; i <= n; i++) {
                    if (i in done || !r[i, i]) continue
                    line = ""
                    for (j = 1; j <= n; j++) if (r[i, j] && r[j, i]) { done[j] = 1; line = line " " v[j] }
                    print mod line
                }
            }
        }' | while read -r mod files; do
        echo "$mod $(echo "$files" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
    done | sort
}

check_cycles() {
    local known=$1 failed=0 passed=0
    grep -v '^[[:space:]]*\(#\|$\)' "$known" | sed -E 's/[[:space:]]+/ /g; s/ $//' | sort > "$tmp/known" || true
    file_cycles > "$tmp/cycles"
    while read -r mod files; do
        local how="FAIL"
        if grep -qxF "$files" "$tmp/known"; then how="known"; fi
        echo "$how cycle in $mod: $files"
        for a in $files; do
            for b in $files; do
                awk -v a="$a" -v b="$b" '$3 == a && $6 == b { s = s " " $1 }
                    END { if (s != "") print "    " a " -> " b ":" s }' "$tmp/uses"
            done
        done
        if [ "$how" = FAIL ]; then failed=$((failed + 1)); else passed=$((passed + 1)); fi
    done < "$tmp/cycles"
    cut -d' ' -f2- "$tmp/cycles" > "$tmp/found"
    while read -r files; do
        if ! grep -qxF "$files" "$tmp/found"; then
            echo "FAIL $known lists a cycle that is gone, delete its line: $files"
            failed=$((failed + 1))
        fi
    done < "$tmp/known"
    [ -s "$tmp/cycles" ] || echo "layering: no call cycle between the files of any module"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

case $mode in
    modules) check_modules ;;
    cycles)
        [ $# -eq 3 ] || usage
        check_cycles "$3"
        ;;
    *) usage ;;
esac
