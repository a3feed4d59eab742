#!/usr/bin/env bash
# Runs every tests/integration/test-*.sh against the binaries in BUILD_DIR (default build).
# usage: tests/integration/run.sh [BUILD_DIR] [FILE-FILTER] [TEST-FILTER]
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${1:-build}
file_filter=${2:-}
test_filter=${3:-}
if [ "$(id -u)" != 0 ]; then
        echo "integration tests need root (namespaces, mounts, cgroups)" >&2
        exit 1
fi
failed=()
ran=0
for f in "$here"/test-*.sh; do
        name=$(basename "$f" .sh)
        [ -z "$file_filter" ] || [[ $name == *$file_filter* ]] || continue
        echo "== $name"
        rc=0
        timeout 600 bash "$f" "$test_filter" || rc=$?
        case $rc in
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
