# Shared helpers for the CLI tests. Each test script is run as:
#   bash SCRIPT GMDL MAKE_IDX WORKDIR
# and ends with a "N passed, N failed" line; the exit status is non-zero on any failure.
set -u
GMDL=$1
MAKE_IDX=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
ONE_LINE=1 # gmdl's error messages are one line
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# json_field FILE KEY: the number after "KEY": in a one-line JSON object.
json_field() {
    grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'
}
