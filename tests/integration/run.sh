#!/usr/bin/env bash
# Runs every tests/integration/test-*.sh against the binaries in BUILD_DIR (default build).
# usage: tests/integration/run.sh [BUILD_DIR] [FILE-FILTER] [TEST-FILTER]
# INTEGRATION_JOBS=N runs N files at once (default 1): each test has its own root, cgroup and
# network namespaces, and most of a test's time is spent waiting for a daemon; a file's output
# is printed whole when it ends, the slowest files start first.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${1:-build}
file_filter=${2:-}
test_filter=${3:-}
jobs=${INTEGRATION_JOBS:-1}
if [ "$(id -u)" != 0 ]; then
        echo "integration tests need root (namespaces, mounts, cgroups)" >&2
        exit 1
fi
out=$(mktemp -d /tmp/svc-it.XXXXXX)
trap 'rm -rf "$out"' EXIT

# The files in the order they start: the ones that take longest first (their `# duration: N`
# line, seconds on the ASan build), so that parallel lanes end together.
files() {
        local f d
        for f in "$here"/test-*.sh; do
                d=$(sed -n 's/^# duration: \([0-9]*\).*/\1/p' "$f" | head -1)
                echo "${d:-0} $f"
        done | sort -rn | awk '{ print $2 }'
}

# run_file FILE: its output into $out/NAME.log, its status into $out/NAME.rc.
run_file() {
        local name rc=0
        name=$(basename "$1" .sh)
        timeout 600 bash "$1" "$test_filter" >"$out/$name.log" 2>&1 || rc=$?
        echo $rc >"$out/$name.rc"
}

report() { # NAME
        echo "== $1"
        cat "$out/$1.log"
}

running=0
order=()
for f in $(files); do
        name=$(basename "$f" .sh)
        [ -z "$file_filter" ] || [[ $name == *$file_filter* ]] || continue
        order+=("$name")
        if [ "$jobs" -le 1 ]; then
                echo "== $name"
                rc=0
                timeout 600 bash "$f" "$test_filter" || rc=$?
                echo $rc >"$out/$name.rc"
                continue
        fi
        while [ "$running" -ge "$jobs" ]; do
                wait -n
                running=$((running - 1))
        done
        run_file "$f" &
        running=$((running + 1))
done
wait
failed=()
ran=0
for name in "${order[@]}"; do
        [ "$jobs" -le 1 ] || report "$name"
        case $(cat "$out/$name.rc" 2>/dev/null || echo 1) in
        0) ran=1 ;;
        5) ;; # no test in this file matches TEST-FILTER
        *) failed+=("$name") ;;
        esac
done
if [ $ran = 0 ] && [ ${#failed[@]} = 0 ]; then
        echo "integration: no test matches '$file_filter' '$test_filter'"
        exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
        echo "integration: FAILED: ${failed[*]}"
        exit 1
fi
echo "integration: all passed"
