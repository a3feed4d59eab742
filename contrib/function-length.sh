#!/usr/bin/env bash
# function-length.sh [MAX]: every function of the daemon (supervisor/svcd, net/ included) whose
# body is longer than MAX lines (default 60), as "FILE:LINE: NAME is N lines"; the exit status is
# 1 when there is any. A function is what clang-format writes: a definition that starts in the
# first column and ends at the first "}" in the first column. Run from anywhere; make lint runs it.
set -eu
cd "$(dirname "$0")/.."
max=${1:-60}
mapfile -t files < <(find supervisor/svcd -name '*.c' | sort)
awk -v max="$max" '
FNR == 1 { start = 0; body = 0 }
/^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ && !start { start = FNR; sig = $0 }
start && !body && /\{[[:space:]]*$/ { body = FNR }
/^}/ && body {
        n = FNR - body - 1
        if (n > max) {
                name = sig; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
                printf "%s:%d: %s is %d lines (at most %d)\n", FILENAME, start, name, n, max
                bad++
        }
        start = 0; body = 0
}
/^}/ && !body { start = 0 }
END { if (bad) { printf "function-length: %d functions over %d lines\n", bad, max; exit 1 } }
' "${files[@]}"
