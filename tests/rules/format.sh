#!/usr/bin/env bash
# The format check: every C source under the given folders is as clang-format (the repository's
# .clang-format) would write it. Prints each file that differs, with the first places, and ends
# with "N passed, N failed" (files); exit status 1 if one differs.
#   format.sh SOURCE_DIR [clang-format] -- runs over src cli include tests examples bench
set -uo pipefail
root=${1:?usage: format.sh SOURCE_DIR [CLANG_FORMAT]}
cf=${2:-clang-format}
cd "$root" || exit 2
if ! command -v "$cf" > /dev/null; then
    echo "format.sh: $cf not found (tools/setup.sh installs the Debian package clang-format)" >&2
    exit 2
fi
passed=0
failed=0
while IFS= read -r f; do
    if out=$("$cf" --style=file --dry-run --Werror "$f" 2>&1); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $f"
        echo "$out" | grep -E '^[^ ].*: error:' | head -3 | sed 's/^/    /'
    fi
done < <(find src cli include tests examples bench -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
